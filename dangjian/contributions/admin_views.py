"""The reviewer's queue: everything waiting at a stage they review, oldest first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .selectors import review_queue, waiting_label


class ReviewQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "contributions/admin/queue.html"
    page_title = _("Review queue")
    header_icon = "tasks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = review_queue(user=self.request.user)
        context["items"] = [(item, waiting_label(item.waiting)) for item in items]
        return context
