from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = _("Operations")

    def ready(self):
        from . import invalidation

        invalidation.connect()
