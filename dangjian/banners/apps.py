from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The scheduler's interval for banner windows: with the purge at once, a banner is gone from
# every cached page within this many seconds of its end.
WINDOW_SECONDS = 30


class BannersConfig(AppConfig):
    name = "dangjian.banners"
    label = "banners"
    verbose_name = _("Banners")

    def ready(self):
        from dangjian.accounts import roles
        from dangjian.core.scheduler import register_periodic

        from . import signals
        from .tasks import purge_banner_windows

        roles.role_permissions_add(roles.SITE_ADMIN, ["banners.add_banner", "banners.change_banner", "banners.delete_banner",
                                                      "banners.view_banner"])
        register_periodic(purge_banner_windows, WINDOW_SECONDS)
        signals.connect()
