from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Operations")

    def ready(self):
        from . import invalidation

        invalidation.connect()
        _label_site_columns()


def _label_site_columns() -> None:
    """Wagtail's sites listing labels three columns with the field's English name rather than
    its (translated) verbose name: editors read "Port", "Site name", "Root page"."""
    from django.utils.text import capfirst
    from wagtail.models import Site
    from wagtail.sites.views import IndexView

    for column in IndexView.columns:
        if column.name in {"port", "site_name", "root_page"}:
            column.label = capfirst(Site._meta.get_field(column.name).verbose_name)
