from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageviewsConfig(AppConfig):
    name = "dangjian.pageviews"
    label = "pageviews"
    verbose_name = _("View counts")

    def ready(self):
        from dangjian.portal.models import ChannelPage, HomePage

        from .selectors import register_hot_list_scope

        # The portal's pages with hot lists; feature apps register theirs (cities) the same way.
        register_hot_list_scope(HomePage, ChannelPage)
