from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from dangjian.core.dependencies import depends_on
from dangjian.portal.models import ArticlePage, ChannelPage, HomePage
from dangjian.portal.slots import render_in_context

from . import selectors
from .admin import BannerClicksView, BannerPermissionPolicy, BannerReportView, BannerViewSet
from .models import Banner
from .services import banners_key

register_permission_policy(Banner, BannerPermissionPolicy(Banner))


def _slot(context, position: str) -> str:
    page = context.get("page")
    depends_on(banners_key(position))
    banners = selectors.banners_for(position=position, page=page, now=timezone.now())
    if not banners:
        return ""
    shown = [(banner, banner.picture()) for banner in banners]
    return render_in_context(context, "banners/slot.html", banners=shown, position=position,
                             chosen=selectors.weighted_choice(banners))


@hooks.register("portal_slot_home_top")
def home_top(context) -> str:
    return _slot(context, Banner.Position.HOME_TOP)


@hooks.register("portal_slot_home_middle")
def home_middle(context) -> str:
    return _slot(context, Banner.Position.HOME_MIDDLE)


@hooks.register("portal_slot_article_bottom")
def article_bottom(context) -> str:
    if not isinstance(context.get("page"), ArticlePage):
        return ""
    return _slot(context, Banner.Position.ARTICLE_BOTTOM)


@hooks.register("portal_slot_aside")
def side(context) -> str:
    """The side column: a channel's place on channel pages; the city place on the other pages
    with one (a city channel and its directory); none on the home page (it has its own)."""
    page = context.get("page")
    if page is None or isinstance(page, HomePage):
        return ""
    return _slot(context, Banner.Position.CHANNEL_SIDE if isinstance(page, ChannelPage) and page.depth <= 3 else Banner.Position.CITY)


@hooks.register("register_admin_viewset")
def register_viewset():
    return BannerViewSet("banners")


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("banners-report/", BannerReportView.as_view(), name="banners_report"),
        path("banners-report/results/", BannerReportView.as_view(results_only=True), name="banners_report_results"),
        path("banners-report/<int:pk>/", BannerClicksView.as_view(), name="banners_clicks"),
    ]


@hooks.register("register_reports_menu_item")
def report_menu_item():
    from wagtail.admin.menu import MenuItem

    class BannerReportMenuItem(MenuItem):
        def is_shown(self, request):
            return BannerPermissionPolicy(Banner).user_has_permission(request.user, "view")

    return BannerReportMenuItem(_("Banner clicks"), reverse("banners_report"), icon_name="image", order=720)
