from __future__ import annotations

import django_filters
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView

from .models import LoginRecord


class LoginRecordFilterSet(WagtailFilterSet):
    result = django_filters.ChoiceFilter(label=_("Result"), choices=LoginRecord.Result.choices)
    identifier = django_filters.CharFilter(label=_("Phone or user name"), lookup_expr="icontains")

    class Meta:
        model = LoginRecord
        fields = ["result", "identifier"]


class LoginRecordsView(ReportView):
    """Read only, for auditors and site administrators (accounts.view_loginrecord)."""

    page_title = _("Login records")
    header_icon = "key"
    filterset_class = LoginRecordFilterSet
    index_url_name = "accounts_login_records"
    index_results_url_name = "accounts_login_records_results"
    columns = [
        DateColumn("created_at", label=_("Time")),
        Column("identifier", label=_("Phone or user name")),
        Column("get_method_display", label=_("Method")),
        Column("get_result_display", label=_("Result")),
        Column("ip", label=_("IP address")),
        Column("user_agent", label=_("Browser")),
    ]
    list_export = ["created_at", "identifier", "method", "result", "ip", "user_agent"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("accounts.view_loginrecord"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return LoginRecord.objects.order_by("-created_at")


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("accounts/login-records/", LoginRecordsView.as_view(), name="accounts_login_records"),
        path("accounts/login-records/results/", LoginRecordsView.as_view(results_only=True), name="accounts_login_records_results"),
    ]


class LoginRecordsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("accounts.view_loginrecord")


@hooks.register("register_reports_menu_item")
def login_records_menu_item():
    return LoginRecordsMenuItem(_("Login records"), reverse("accounts_login_records"), icon_name="key", order=900)


class SmsBudgetPanel(Component):
    """On the admin home page of site administrators: today's SMS against the budget,
    highlighted from the warning threshold on."""

    name = "sms_budget"
    order = 50
    template_name = "accounts/admin/sms_budget_panel.html"

    def get_context_data(self, parent_context=None):
        from django.conf import settings

        from .limits import counters
        from .services import sms_budget_limit

        used = counters().count(sms_budget_limit())
        return {"used": used, "budget": settings.SMS_DAILY_BUDGET, "warning": used >= settings.SMS_BUDGET_WARNING}


@hooks.register("construct_homepage_panels")
def add_sms_budget_panel(request, panels):
    if request.user.has_perm("accounts.view_loginrecord"):
        panels.append(SmsBudgetPanel())
