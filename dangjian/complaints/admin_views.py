"""The case queue in the admin: site administrators and chief editors handle every case, a
city's administrators the cases about their city's articles, auditors read every case."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import ModelLogEntry

from dangjian.core.scans import scan_response

from . import selectors, services
from .forms import DecisionForm
from .models import Complaint, ComplaintFile


class CaseFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=Complaint.State.choices)
    overdue = django_filters.BooleanFilter(label=gettext_lazy("Overdue"), method="by_overdue")
    received_from = django_filters.DateFilter(label=pgettext_lazy("complaints", "Received from"), widget=AdminDateInput,
                                              field_name="received_at", method="by_received_from")
    received_to = django_filters.DateFilter(label=pgettext_lazy("complaints", "Received to"), widget=AdminDateInput,
                                            field_name="received_at", method="by_received_to")

    class Meta:
        model = Complaint
        fields = ["state"]

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = selectors.overdue(queryset)
        return late if value else queryset.exclude(pk__in=late.values("pk"))

    @staticmethod
    def _day_start(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def by_received_from(self, queryset, name, value):
        return queryset.filter(received_at__gte=self._day_start(value))

    def by_received_to(self, queryset, name, value):
        return queryset.filter(received_at__lt=self._day_start(value + dt.timedelta(days=1)))


class DeadlineColumn(Column):
    """The deadline, in red while a case waiting for a decision is past it."""

    def get_value(self, instance):
        text = timezone.localtime(instance.deadline_at).strftime("%Y-%m-%d %H:%M")
        if instance.is_overdue():
            return format_html('<strong class="w-text-critical-200">{} · {}</strong>', text, _("Overdue"))
        return text


class CasesView(ReportView):
    page_title = gettext_lazy("Copyright complaints")
    header_icon = "warning"
    filterset_class = CaseFilterSet
    index_url_name = "complaints_cases"
    index_results_url_name = "complaints_cases_results"
    paginate_by = 50
    columns = [
        TitleColumn("number", label=_("Case number"), get_url=lambda case: reverse("complaints_case", args=[case.pk])),
        Column("work_title", label=_("Title of the work")),
        Column("name", label=_("Complainant")),
        DateColumn("received_at", label=_("Received")),
        DeadlineColumn("deadline_at", label=_("Deadline")),
        Column("get_state_display", label=_("State")),
    ]
    list_export = ["number", "received_at", "deadline_at", "state", "kind", "name", "work_title", "articles_text",
                   "description", "message", "state_changed_at"]
    export_headings = {
        "number": _("Case number"), "received_at": _("Received"), "deadline_at": _("Deadline"), "state": _("State"),
        "kind": _("Complainant type"), "name": _("Complainant"), "work_title": _("Title of the work"),
        "articles_text": _("Articles"), "description": _("Description"), "message": _("Message to the complainant"),
        "state_changed_at": _("State changed"),
    }

    def dispatch(self, request, *args, **kwargs):
        self.access = selectors.access_for(request.user)
        if not self.access.reads:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_filename(self):
        return "copyright-complaints"

    def get_queryset(self):
        return selectors.cases_for(self.access).prefetch_related("articles").order_by("-received_at")

    def to_row_dict(self, item):
        item.articles_text = " ".join(article.url for article in item.articles.all())
        row = super().to_row_dict(item)
        row["state"] = item.get_state_display()
        row["kind"] = item.get_kind_display()
        return row


class CaseView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "complaints/admin/case.html"
    header_icon = "warning"
    page_title = gettext_lazy("Copyright complaint")
    ACTIONS = {
        "info": services.complaint_info_request, "take_down": services.complaint_take_down, "reject": services.complaint_reject,
        "close": services.complaint_close, "restore": services.complaint_restore,
    }

    def dispatch(self, request, *args, **kwargs):
        access = selectors.access_for(request.user)
        if not access.reads:  # before the lookup: nobody else learns which cases exist
            raise PermissionDenied
        self.complaint = get_object_or_404(selectors.cases_for(access).prefetch_related("articles__page"), pk=kwargs["pk"])
        self.handles = access.handles(self.complaint)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.complaint.number

    def get_breadcrumbs_items(self):
        return [{"url": reverse("complaints_cases"), "label": _("Copyright complaints")}, {"url": "", "label": self.complaint.number}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        complaint = self.complaint
        state = Complaint.State
        context.update(
            complaint=complaint, handles=self.handles, form=kwargs.get("form") or DecisionForm(),
            articles=list(complaint.articles.all()), files=list(complaint.files.filter(counter_notice__isnull=True)),
            counter_notices=list(complaint.counter_notices.select_related("author").prefetch_related("files")),
            history=ModelLogEntry.objects.for_instance(complaint).select_related("user").order_by("timestamp"),
            can_decide=complaint.state in Complaint.OPEN, can_restore=complaint.state == state.TAKEN_DOWN,
            can_close=complaint.state != state.CLOSED, overdue=complaint.is_overdue(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.handles:
            raise PermissionDenied
        action = self.ACTIONS.get(request.POST.get("action"))
        form = DecisionForm(request.POST)
        if action is None or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        extra = {}
        if action in (services.complaint_info_request, services.complaint_reject):
            extra["message" if action is services.complaint_info_request else "reason"] = form.cleaned_data["message"]
        elif action is services.complaint_close:
            extra["note"] = form.cleaned_data["message"]
        try:
            action(complaint=self.complaint, user=request.user, **extra)
        except services.ComplaintError as error:
            messages.error(request, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Done: the case is now %(state)s.") % {
            "state": Complaint.objects.get(pk=self.complaint.pk).get_state_display()})
        return redirect("complaints_case", pk=self.complaint.pk)


def case_file(request, pk: int):
    """Evidence, to those who read the case; sent so that a browser shows it but runs nothing in it."""
    access = selectors.access_for(request.user)
    if not access.reads:
        raise PermissionDenied
    record = get_object_or_404(ComplaintFile.objects.filter(complaint__in=selectors.cases_for(access)), pk=pk)
    return scan_response(record.file, kind=record.kind, filename=record.file.name.rsplit("/", 1)[-1])
