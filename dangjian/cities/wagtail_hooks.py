from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from dangjian.core.viewsets import PermissionMenuItem

from .admin_views import (
    REVIEW_PERMISSION,
    ApplicationsView,
    ApplicationView,
    CityStaffView,
    RecommendView,
    application_letter,
)
from .isolation import CLOSED_MENU_ITEMS, city_scope, narrowed_pages


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("cities/applications/", ApplicationsView.as_view(), name="cities_applications"),
        path("cities/applications/<int:pk>/", ApplicationView.as_view(), name="cities_application"),
        path("cities/applications/<int:pk>/letter/", application_letter, name="cities_application_letter"),
        path("cities/mine/", CityStaffView.as_view(), name="cities_staff"),
        path("cities/recommend/<int:page_id>/", RecommendView.as_view(), name="cities_recommend"),
    ]


class CityAdminMenuItem(MenuItem):
    def is_shown(self, request):
        from .selectors import city_of_user

        return city_of_user(request.user) is not None


@hooks.register("register_admin_menu_item")
def applications_menu_item():
    return PermissionMenuItem(_("City channel applications"), reverse("cities_applications"), icon_name="site",
                              order=160, permission=REVIEW_PERMISSION)


@hooks.register("register_admin_menu_item")
def city_staff_menu_item():
    return CityAdminMenuItem(_("My city channel"), reverse("cities_staff"), icon_name="group", order=155)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("cities.application_submit", _("Apply for a city channel"), _("City channel applied for"))
    actions.register_action("cities.application_approve", _("Approve a city channel application"), _("City channel application approved"))
    actions.register_action("cities.application_reject", _("Reject a city channel application"), _("City channel application rejected"))
    actions.register_action("cities.provision", _("Open a city channel"), _("City channel opened"))
    actions.register_action("cities.staff_add", _("Add city channel staff"), _("City channel staff added"))
    actions.register_action("cities.staff_remove", _("Remove city channel staff"), _("City channel staff removed"))
    actions.register_action("cities.recommend", _("Recommend to a national channel"), _("Recommended to a national channel"))
    actions.register_action("cities.recommend_withdraw", _("Withdraw a recommendation"), _("Recommendation withdrawn"))


@hooks.register("register_page_header_buttons")
def recommend_button(page, user, view_name, next_url=None):
    from dangjian.portal.models import ArticlePage

    from .selectors import city_of_page

    if page.specific_class is ArticlePage and page.live and user.has_perm("cities.add_recommendation") and city_of_page(page):
        yield Button(_("Recommend to a national channel"), reverse("cities_recommend", args=[page.pk]), icon_name="pick", priority=62)


# --- a city's staff see their city only (isolation.py) -----------------------------------
@hooks.register("dangjian_narrow_pages")
def narrow_pages(pages, user):
    return narrowed_pages(pages, user)


@hooks.register("construct_explorer_page_queryset")
def narrow_explorer(parent_page, pages, request):
    return narrowed_pages(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def narrow_page_chooser(pages, request):
    return narrowed_pages(pages, request.user)


@hooks.register("construct_reports_menu")
def narrow_reports_menu(request, menu_items):
    if city_scope(request.user) is not None:
        menu_items[:] = [item for item in menu_items if item.name not in CLOSED_MENU_ITEMS]


@hooks.register("dangjian_account_export")
def export_applications(user) -> dict:
    from .models import CityApplication

    return {"city_channel_applications": [
        {"reference": a.reference, "organization": a.organization, "region": a.region_name, "contact_name": a.contact_name,
         "contact_phone": a.contact_phone, "status": str(a.get_status_display()), "created": a.created_at.isoformat()}
        for a in CityApplication.objects.filter(applicant=user).order_by("created_at")
    ]}


@hooks.register("dangjian_account_delete")
def forget_application_contacts(user) -> None:
    """The decision stays on record (a city channel was opened on it); the contact person does not."""
    from .models import CityApplication

    CityApplication.objects.filter(applicant=user).update(contact_name="", contact_phone="")


@hooks.register("dangjian_city_admin_paths")
def city_admin_paths(user) -> list[str]:
    """The cities `user` administers: their copyright complaints and banners are theirs to handle."""
    from .models import CityGroup, CityRole

    return list(CityGroup.objects.filter(group__user=user, role=CityRole.ADMIN).values_list("city__path", flat=True))
