from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

from . import selectors
from .admin_views import CasesView, CaseView, case_file
from .models import Complaint, CounterNotice


# --- the public site ------------------------------------------------------------------
@hooks.register("portal_slot_copyright")
def complaint_links(context) -> str:
    return format_html('<p class="complaint-links"><a href="{}">{}</a> · <a href="{}">{}</a></p>',
                       reverse("complaints:new"), _("File a copyright complaint online"),
                       reverse("complaints:track"), _("Follow a complaint"))


@hooks.register("dangjian_publish_hold")
def held_by_complaint(page) -> str | None:
    row = selectors.taken_down_by(page.pk)
    if row is None:
        return None
    return _("This article was taken down after copyright complaint %(number)s: it cannot be published until the case restores it.") % {
        "number": row.complaint.number}


@hooks.register("dangjian_article_gone")
def taken_down_page(request, page_id: int):
    row = selectors.taken_down_by(page_id)
    if row is None:
        return None
    response = render(request, "complaints/gone.html", {"number": row.complaint.number}, status=410)
    response["Cache-Control"] = "no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the account page -------------------------------------------------------------------
@hooks.register("dangjian_account_export")
def export_complaints(user) -> dict:
    filed = Complaint.objects.filter(phone=user.phone).prefetch_related("articles") if user.phone else []
    return {
        "copyright_complaints": [
            {"number": c.number, "received": c.received_at.isoformat(), "state": str(c.get_state_display()), "name": c.name,
             "email": c.email, "address": c.address, "work_title": c.work_title, "description": c.description,
             "articles": [a.url for a in c.articles.all()]}
            for c in filed
        ],
        "counter_notices": [
            {"case": n.complaint.number, "filed": n.created_at.isoformat(), "statement": n.statement}
            for n in CounterNotice.objects.filter(author=user).select_related("complaint")
        ],
    }


@hooks.register("dangjian_account_delete")
def forget_complaints(user) -> None:
    from .services import complaints_of_person_forget

    complaints_of_person_forget(user=user)


# --- the admin --------------------------------------------------------------------------
@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("complaints/", CasesView.as_view(), name="complaints_cases"),
        path("complaints/results/", CasesView.as_view(results_only=True), name="complaints_cases_results"),
        path("complaints/<int:pk>/", CaseView.as_view(), name="complaints_case"),
        path("complaints/file/<int:pk>/", case_file, name="complaints_file"),
    ]


class CasesMenuItem(MenuItem):
    """For those who read cases, with the number of cases waiting for a decision."""

    def is_shown(self, request):
        return selectors.access_for(request.user).reads

    def render_component(self, request):
        count = selectors.open_case_count(request.user)
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItemComponent(self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs)


@hooks.register("register_admin_menu_item")
def cases_menu_item():
    return CasesMenuItem(gettext_lazy("Copyright complaints"), reverse("complaints_cases"), icon_name="warning", order=152)


@hooks.register("before_edit_page")
def taken_down_notice(request, page):
    if request.method == "GET" and (reason := held_by_complaint(page)):
        messages.warning(request, reason)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action("complaints.submit", _("File a copyright complaint"), _("Copyright complaint filed"))
    actions.register_action("complaints.info_request", _("Ask the complainant for more information"), _("More information requested"))
    actions.register_action("complaints.supplement", _("Add information to a complaint"), _("Complainant added information"))
    actions.register_action("complaints.take_down", _("Take down after a complaint"), _("Taken down after a copyright complaint"))
    actions.register_action("complaints.reject", _("Reject a complaint"), _("Copyright complaint rejected"))
    actions.register_action("complaints.close", _("Close a complaint"), _("Copyright complaint closed"))
    actions.register_action("complaints.counter_notice", _("File a counter-notice"), _("Counter-notice filed"))
    actions.register_action("complaints.restore", _("Restore after a counter-notice"), _("Restored after a counter-notice"))


class OverduePanel(Component):
    """On the admin home page of those who handle cases, when any is past its deadline."""

    name = "complaints_overdue"
    order = 20
    template_name = "complaints/admin/overdue_panel.html"

    def __init__(self, count: int):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count, "url": reverse("complaints_cases") + "?overdue=true"}


@hooks.register("construct_homepage_panels")
def add_overdue_panel(request, panels):
    access = selectors.access_for(request.user)
    if access.reads and (count := selectors.overdue(selectors.cases_for(access)).count()):
        panels.append(OverduePanel(count))
