"""What readers search for, for editors: the most frequent searches of a period, as bars."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import selectors

PERIODS = (7, 30, 90)


class PopularSearchesView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "search/admin/popular.html"
    page_title = _("Popular searches")
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("search.view_searchqueryday"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = int(self.request.GET.get("days")) if self.request.GET.get("days") in {str(p) for p in PERIODS} else PERIODS[0]
        found = selectors.popular_searches(days=days, limit=50)
        peak = max((count for _query, count in found), default=1)
        context.update(
            days=days, periods=PERIODS,
            rows=[(query, count, round(100 * count / peak)) for query, count in found],
        )
        return context
