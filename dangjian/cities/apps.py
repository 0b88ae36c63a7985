from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "dangjian.cities"
    label = "cities"
    verbose_name = _("City channels")

    def ready(self):
        from dangjian.accounts.roles import FINAL_REVIEW, SITE_ADMIN, role_permissions_add
        from dangjian.accounts.sections import register_account_section
        from dangjian.core import invalidation
        from dangjian.pageviews.selectors import register_hot_list_scope
        from dangjian.portal.models import ChannelPage, HomePage, register_channel_articles
        from dangjian.search.forms import register_search_scope_group

        from . import selectors, signals, views
        from .models import CityChannelPage

        # Cities hang their tree below the portal's: the directory under the home page, a
        # city's columns (portal channels) under the city.
        HomePage.subpage_types = [*HomePage.subpage_types, "cities.CityDirectoryPage"]
        ChannelPage.parent_page_types = [*ChannelPage.parent_page_types, "cities.CityChannelPage"]
        register_hot_list_scope(CityChannelPage)
        invalidation.register_page_keys(signals.directory_keys)
        signals.connect()
        register_channel_articles(selectors.recommended_article_ids)
        register_search_scope_group(selectors.search_scope_group)
        register_account_section(views.account_section)
        role_permissions_add(SITE_ADMIN, ["cities.view_cityapplication", "cities.change_cityapplication",
                                          "cities.add_recommendation", "cities.delete_recommendation"])
        role_permissions_add(FINAL_REVIEW, ["cities.add_recommendation", "cities.delete_recommendation"])
