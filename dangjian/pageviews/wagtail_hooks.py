from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus.pages import PageMenuItem

from dangjian.core.dependencies import depends_on, hot_key, page_key
from dangjian.portal.models import ArticlePage
from dangjian.portal.slots import render_in_context

from . import selectors
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


@hooks.register("portal_slot_article_meta")
def view_count_block(context) -> str:
    """浏览 N 次 as of the last flush, and the beacon that counts this view and shows the live
    number (not on previews: an editor's look is not a reader's view)."""
    page = context.get("page")
    if not isinstance(page, ArticlePage):
        return ""
    return render_in_context(context, "pageviews/view_count.html", views=selectors.article_views(page))


@hooks.register("portal_slot_aside")
def hot_lists_block(context) -> str:
    page = context.get("page")
    if page is None or not selectors.is_hot_list_scope(page):
        return ""
    lists = selectors.hot_lists(page)
    depends_on(hot_key(page.pk), *(page_key(entry["id"]) for _window, _label, entries in lists for entry in entries))
    return render_in_context(context, "pageviews/hot_lists.html", hot_lists=lists)


class MyPublishedPanel(Component):
    """On the admin home page: the editor's latest published articles and how often each was read."""

    name = "my_published"
    order = 15
    template_name = "pageviews/admin/my_published_panel.html"

    def __init__(self, articles):
        self.articles = articles

    def get_context_data(self, parent_context=None):
        return {"articles": self.articles}


@hooks.register("construct_homepage_panels")
def add_my_published_panel(request, panels):
    articles = list(selectors.with_period_views(ArticlePage.objects.live().filter(owner=request.user), start=None, end=None)
                    .order_by("-first_published_at")[:10])
    if articles:
        panels.append(MyPublishedPanel(articles))
