from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from dangjian.core.viewsets import ListViewSet, PermissionMenuItem

from .admin_views import PopularSearchesView
from .models import SearchWord


class SearchWordViewSet(ListViewSet):
    model = SearchWord
    icon = "search"
    menu_label = _("Search dictionary")
    form_fields = ["word", "note"]
    list_display = ["word", "note", "changed_at", "changed_by"]
    search_fields = ["word", "note"]


@hooks.register("register_admin_viewset")
def register_search_words():
    return SearchWordViewSet("search_words")


@hooks.register("register_admin_urls")
def register_urls():
    return [path("search/popular/", PopularSearchesView.as_view(), name="search_popular")]


@hooks.register("register_reports_menu_item")
def popular_searches_menu_item():
    return PermissionMenuItem(
        _("Popular searches"), reverse("search_popular"), icon_name="search", order=60, permission="search.view_searchqueryday"
    )
