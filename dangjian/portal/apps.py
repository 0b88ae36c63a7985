from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "dangjian.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from wagtail.models import Page

        from dangjian.core import invalidation

        from . import holds
        from .models import ArticlePage, MourningPeriod, PortalSettings, headline_keys

        invalidation.register_everywhere_model(PortalSettings)
        invalidation.register_everywhere_model(MourningPeriod)
        invalidation.register_page_keys(headline_keys)
        holds.connect(ArticlePage, Page)
