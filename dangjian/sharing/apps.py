from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "dangjian.sharing"
    label = "sharing"
    verbose_name = _("Sharing")

    def ready(self):
        from . import checks, signals  # noqa: F401 (the system check registers itself)

        signals.connect()
