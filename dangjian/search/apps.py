from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "dangjian.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import signals
        from .wagtail_backend import segment_page_search_fields

        signals.connect()
        segment_page_search_fields()
