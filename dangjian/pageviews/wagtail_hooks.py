from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from dangjian.portal.models import ArticlePage

from .admin_views import ArticleViewsView, TopArticlesView


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("pageviews/article/<int:page_id>/", ArticleViewsView.as_view(), name="pageviews_article"),
        path("pageviews/top/", TopArticlesView.as_view(), name="pageviews_top_articles"),
        path("pageviews/top/results/", TopArticlesView.as_view(results_only=True), name="pageviews_top_articles_results"),
    ]


class ArticleViewsButton(PageMenuItem):
    label = _("Views")
    icon_name = "view"

    @property
    def url(self):
        return reverse("pageviews_article", args=[self.page.pk])

    def is_shown(self, user):
        return self.page.specific_class is ArticlePage and self.page.permissions_for_user(user).can_edit()


@hooks.register("register_page_header_buttons")
def article_views_header_button(page, user, view_name, next_url=None):
    yield ArticleViewsButton(page=page, priority=66)


@hooks.register("register_page_listing_more_buttons")
def article_views_listing_button(page, user, next_url=None):
    yield ArticleViewsButton(page=page, priority=55)


@hooks.register("register_reports_menu_item")
def top_articles_menu_item():
    return MenuItem(_("Most viewed articles"), reverse("pageviews_top_articles"), icon_name="view", order=50)
