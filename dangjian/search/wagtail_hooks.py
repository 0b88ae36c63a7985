from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet

from .admin_views import PopularSearchesView
from .models import SearchWord


class _RecordsEditor:
    def save_instance(self):
        self.form.instance.changed_by = self.request.user
        return super().save_instance()


class SearchWordCreateView(_RecordsEditor, CreateView):
    pass


class SearchWordEditView(_RecordsEditor, EditView):
    pass


class SearchWordViewSet(ModelViewSet):
    model = SearchWord
    icon = "search"
    menu_label = _("Search dictionary")
    add_to_settings_menu = True
    form_fields = ["word", "note"]
    list_display = ["word", "note", "changed_at", "changed_by"]
    search_fields = ["word", "note"]
    add_view_class = SearchWordCreateView
    edit_view_class = SearchWordEditView


@hooks.register("register_admin_viewset")
def register_search_words():
    return SearchWordViewSet("search_words")


@hooks.register("register_admin_urls")
def register_urls():
    return [path("search/popular/", PopularSearchesView.as_view(), name="search_popular")]


class PopularSearchesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("search.view_searchqueryday")


@hooks.register("register_reports_menu_item")
def popular_searches_menu_item():
    return PopularSearchesMenuItem(_("Popular searches"), reverse("search_popular"), icon_name="search", order=60)
