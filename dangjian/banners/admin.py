"""The banners' admin: site administrators manage all, a city's administrators their city's
(selectors.managed_by), with a preview at the place's size and a report of clicks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from dangjian.pageviews.charts import daily_bar_chart

from . import selectors
from .models import Banner

CHART_DAYS = 30
ACTIONS = {"add", "change", "delete", "view"}


class BannerPermissionPolicy(ModelPermissionPolicy):
    """Model permissions for site administrators; a city's administrators may act on the
    banners of their city (what selectors.managed_by gives them)."""

    def _city_admin(self, user) -> bool:
        return bool(selectors.city_paths(user))

    def user_has_permission(self, user, action):
        return super().user_has_permission(user, action) or (action in ACTIONS and self._city_admin(user))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and selectors.managed_by(user).filter(pk=instance.pk).exists()

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        return selectors.managed_by(user)


class BannerForm(WagtailAdminModelForm):
    def clean(self):
        data = super().clean()
        user = self.for_user
        if user is not None and not user.has_perm("banners.change_banner"):
            target, paths = data.get("target"), tuple(selectors.city_paths(user))
            if target is None or not paths or not target.path.startswith(paths):
                self.add_error("target", _("Choose your city channel, or one of its columns."))
        return data


class Managed:
    """The views see only the banners the user manages: another city's banner is a 404."""

    def get_base_queryset(self):  # listings
        return selectors.managed_by(self.request.user)

    def get_queryset(self):  # edit and delete
        return selectors.managed_by(self.request.user)

    def get_base_object_queryset(self):  # history and usage
        return selectors.managed_by(self.request.user)


class BannerIndexView(Managed, IndexView):
    pass


class BannerCreateView(CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class BannerEditView(Managed, EditView):
    pass


class BannerDeleteView(Managed, DeleteView):
    pass


class BannerHistoryView(Managed, HistoryView):
    pass


class BannerUsageView(Managed, UsageView):
    pass


class BannerViewSet(ModelViewSet):
    model = Banner
    icon = "image"
    menu_label = gettext_lazy("Banners")
    menu_order = 290
    add_to_admin_menu = True
    index_view_class = BannerIndexView
    add_view_class = BannerCreateView
    edit_view_class = BannerEditView
    delete_view_class = BannerDeleteView
    history_view_class = BannerHistoryView
    usage_view_class = BannerUsageView
    edit_handler = ObjectList(Banner.panels, base_form_class=BannerForm)
    list_display = ["name", "position", "target", "starts_at", "ends_at", "weight", "active"]
    list_filter = ["position", "active"]
    search_fields = ["name", "alt_text"]


class BannerReportView(ReportView):
    page_title = gettext_lazy("Banner clicks")
    header_icon = "image"
    index_url_name = "banners_report"
    index_results_url_name = "banners_report_results"
    columns = [
        TitleColumn("name", label=gettext_lazy("Name (for editors)"), get_url=lambda banner: reverse("banners_clicks", args=[banner.pk])),
        Column("get_position_display", label=gettext_lazy("Position")),
        Column("clicks_total", label=gettext_lazy("Clicks")),
        Column("impressions", label=gettext_lazy("Views of the pages it showed on")),
        Column("ctr", label=gettext_lazy("Click rate")),
    ]
    list_export = ["name", "position", "starts_at", "ends_at", "clicks_total", "impressions", "ctr"]

    def dispatch(self, request, *args, **kwargs):
        if not BannerPermissionPolicy(Banner).user_has_permission(request.user, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_filename(self):
        return "banner-clicks"

    def get_queryset(self):
        from django.db.models import Sum
        from django.db.models.functions import Coalesce

        return selectors.managed_by(self.request.user).annotate(clicks_total=Coalesce(Sum("clicks__clicks"), 0)).order_by("-starts_at")

    def decorate_paginated_queryset(self, object_list):
        today = timezone.localdate()
        for banner in object_list:
            banner.impressions = selectors.impressions(banner, until=today)
            banner.ctr = f"{banner.clicks_total / banner.impressions:.2%}" if banner.impressions else "-"
            if banner.impressions is None:
                banner.impressions = "-"
        return object_list

    def to_row_dict(self, item):
        self.decorate_paginated_queryset([item])
        return super().to_row_dict(item)


class BannerClicksView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "banners/admin/clicks.html"
    header_icon = "image"
    page_title = gettext_lazy("Banner clicks")

    def dispatch(self, request, pk: int):
        self.banner = get_object_or_404(selectors.managed_by(request.user), pk=pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.banner.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        series = selectors.daily_clicks(self.banner, days=CHART_DAYS, today=today)
        context.update(banner=self.banner, days=CHART_DAYS, chart=daily_bar_chart(series),
                       chart_title=_("Clicks per day, last %(days)d days") % {"days": CHART_DAYS},
                       impressions=selectors.impressions(self.banner, until=today))
        return context
