from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageviewsConfig(AppConfig):
    name = "dangjian.pageviews"
    label = "pageviews"
    verbose_name = _("View counts")

    def ready(self):
        from django.conf import settings

        from dangjian.core.scheduler import register_periodic
        from dangjian.portal.models import ChannelPage, HomePage

        from . import signals
        from .selectors import register_hot_list_scope
        from .tasks import compact_hourly_views, flush_views, refresh_hot_lists

        register_periodic(flush_views, settings.PAGEVIEWS_FLUSH_SECONDS)
        register_periodic(refresh_hot_lists, settings.HOT_LISTS_SECONDS)
        register_periodic(compact_hourly_views, 3600)

        # The portal's pages with hot lists; feature apps register theirs (cities) the same way.
        register_hot_list_scope(HomePage, ChannelPage)
        signals.connect()
