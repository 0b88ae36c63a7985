from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView

from dangjian.core.viewsets import PermissionMenuItem

from .models import LoginRecord


class LoginRecordFilterSet(WagtailFilterSet):
    result = django_filters.ChoiceFilter(label=_("Result"), choices=LoginRecord.Result.choices)
    identifier = django_filters.CharFilter(label=_("Phone or user name"), lookup_expr="icontains")

    class Meta:
        model = LoginRecord
        fields = ["result", "identifier"]


class AuditorReportView(ReportView):
    """Reports for those who hold accounts.view_loginrecord: auditors and site admins."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("accounts.view_loginrecord"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LoginRecordsView(AuditorReportView):
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

    def get_queryset(self):
        return LoginRecord.objects.order_by("-created_at")


class AuditLogView(AuditorReportView):
    """Wagtail's audit log (every page and model action) for auditors: Wagtail's own site
    history shows page actions only to people who may edit pages."""

    page_title = _("Audit log")
    header_icon = "history"
    index_url_name = "accounts_audit_log"
    index_results_url_name = "accounts_audit_log_results"
    columns = [
        DateColumn("timestamp", label=_("Time")),
        Column("action_label", label=_("Action")),
        Column("label", label=_("Object")),
        Column("user_name", label=_("User")),
    ]
    list_export = ["timestamp", "action", "label", "user_name"]

    def get_queryset(self):
        from wagtail.log_actions import registry

        fields = ("timestamp", "action", "label", "user_id")
        querysets = [model.objects.order_by().values(*fields) for model in registry.get_log_entry_models()]
        return querysets[0].union(*querysets[1:], all=True).order_by("-timestamp")

    def decorate_paginated_queryset(self, entries):
        from django.contrib.auth import get_user_model
        from wagtail.log_actions import registry

        entries = list(entries)
        names = dict(get_user_model().objects.filter(pk__in={e["user_id"] for e in entries}).values_list("pk", "username"))
        for entry in entries:
            entry["action_label"] = str(registry.get_action_label(entry["action"]))
            entry["user_name"] = names.get(entry["user_id"], "")
        return entries


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("accounts/audit-log/", AuditLogView.as_view(), name="accounts_audit_log"),
        path("accounts/audit-log/results/", AuditLogView.as_view(results_only=True), name="accounts_audit_log_results"),
        path("accounts/login-records/", LoginRecordsView.as_view(), name="accounts_login_records"),
        path("accounts/login-records/results/", LoginRecordsView.as_view(results_only=True), name="accounts_login_records_results"),
    ]


@hooks.register("register_reports_menu_item")
def login_records_menu_item():
    return PermissionMenuItem(
        _("Login records"), reverse("accounts_login_records"), icon_name="key", order=900, permission="accounts.view_loginrecord"
    )


@hooks.register("register_reports_menu_item")
def audit_log_menu_item():
    return PermissionMenuItem(
        _("Audit log"), reverse("accounts_audit_log"), icon_name="history", order=910, permission="accounts.view_loginrecord"
    )


class SmsBudgetPanel(Component):
    """On the admin home page of site administrators: today's SMS against the budget,
    highlighted from the warning threshold on or while the surge detector is on."""

    name = "sms_budget"
    order = 50
    template_name = "accounts/admin/sms_budget_panel.html"

    def get_context_data(self, parent_context=None):
        from django.conf import settings

        from .limits import counters
        from .selectors import sms_surge
        from .throttling import sms_budget_limit, sms_new_numbers_limit

        used, new_numbers = counters().counts([sms_budget_limit(), sms_new_numbers_limit()])
        return {"used": used, "budget": settings.SMS_DAILY_BUDGET, "warning": used >= settings.SMS_BUDGET_WARNING,
                "new_numbers": new_numbers, "new_numbers_share": sms_new_numbers_limit().limit, "surge": sms_surge()}


@hooks.register("construct_homepage_panels")
def add_sms_budget_panel(request, panels):
    if request.user.has_perm("accounts.view_loginrecord"):
        panels.append(SmsBudgetPanel())
