"""The shape of the page tree editors can build in the admin: the portal's page types and
the city channels hung below them (cities/apps.py adds the city types to the portal's)."""

from __future__ import annotations

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from dangjian.cities.models import CityChannelPage, CityDirectoryPage
from dangjian.portal.models import ArticlePage, ChannelPage, HomePage


class PageTreeRules(WagtailPageTestCase):
    def test_each_page_type_goes_where_the_product_puts_it(self):
        self.assertAllowedSubpageTypes(HomePage, {ChannelPage, CityDirectoryPage})
        self.assertAllowedParentPageTypes(ChannelPage, {HomePage, CityChannelPage})
        self.assertAllowedSubpageTypes(ChannelPage, {ArticlePage})
        self.assertAllowedParentPageTypes(ArticlePage, {ChannelPage})
        self.assertAllowedSubpageTypes(ArticlePage, set())
        self.assertAllowedSubpageTypes(CityDirectoryPage, {CityChannelPage})
        self.assertAllowedParentPageTypes(CityDirectoryPage, {HomePage})
        self.assertAllowedParentPageTypes(CityChannelPage, {CityDirectoryPage})
        self.assertAllowedSubpageTypes(CityChannelPage, {ChannelPage})
        self.assertCanNotCreateAt(HomePage, ArticlePage)  # articles live in a channel
        self.assertCanNotCreateAt(CityDirectoryPage, ChannelPage)

    def test_one_home_page_per_parent_and_one_city_directory_in_all(self):
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="首页", slug="tree-home"))
        assert not HomePage.can_create_at(root)
        assert CityDirectoryPage.can_create_at(home)
        home.add_child(instance=CityDirectoryPage(title="城市频道", slug="tree-city"))
        assert not CityDirectoryPage.can_create_at(home)
        assert ChannelPage.can_create_at(home) and not ArticlePage.can_create_at(home)
