"""The admin's side of city channels: site administrators review applications (and only
they see the letters); a city's administrator manages the city's staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from dangjian.core.scans import scan_response
from dangjian.pageviews.charts import daily_bar_chart
from dangjian.pageviews.selectors import subtree_daily_views, with_period_views
from dangjian.portal.models import ArticlePage, ChannelPage

from . import regions, selectors, services
from .forms import RejectForm, StaffForm
from .models import CityApplication, CityGroup, CityRole, Recommendation

REVIEW_PERMISSION = "cities.change_cityapplication"
TRAFFIC_DAYS = 30


def _reviewer(request) -> None:
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied


class ReviewerView(WagtailAdminTemplateMixin, TemplateView):
    """For those who decide applications (site administrators) only."""

    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        _reviewer(request)
        return super().dispatch(request, *args, **kwargs)


class ApplicationsView(ReviewerView):
    template_name = "cities/admin/applications.html"
    page_title = gettext_lazy("City channel applications")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", CityApplication.Status.PENDING)
        applications = CityApplication.objects.select_related("applicant", "city").order_by("-created_at")
        if status in CityApplication.Status.values:
            applications = applications.filter(status=status)
        context.update(applications=applications[:200], status=status, statuses=CityApplication.Status.choices,
                       regions_source=regions.data_source(), regions_date=regions.data_date())
        return context


class ApplicationView(ReviewerView):
    template_name = "cities/admin/application.html"
    page_title = gettext_lazy("City channel application")

    def dispatch(self, request, *args, **kwargs):
        _reviewer(request)  # before the lookup: nobody else learns which ids exist
        self.application = get_object_or_404(CityApplication.objects.select_related("applicant", "city", "decided_by"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(application=self.application, reject_form=kwargs.get("reject_form") or RejectForm(),
                       is_image=self.application.letter_type in ("jpeg", "png"))
        return context

    def post(self, request, *args, **kwargs):
        reject_form = None
        try:
            if request.POST.get("action") == "approve":
                city = services.city_application_approve(application=self.application, user=request.user)
                messages.success(request, _("Approved: the city channel %(title)s is open.") % {"title": city.title})
                return redirect("cities_application", pk=self.application.pk)
            reject_form = RejectForm(request.POST)
            if reject_form.is_valid():
                services.city_application_reject(application=self.application, user=request.user, reason=reject_form.cleaned_data["reason"])
                messages.success(request, _("Rejected; the applicant sees the reason."))
                return redirect("cities_application", pk=self.application.pk)
        except services.CityError as error:
            messages.error(request, error.message)
        return self.render_to_response(self.get_context_data(reject_form=reject_form))


def application_letter(request, pk: int):
    """The letter, to reviewers only; sent so that a browser shows it but runs nothing in it."""
    _reviewer(request)
    application = get_object_or_404(CityApplication, pk=pk)
    return scan_response(application.letter, kind=application.letter_type,
                         filename=f"{application.reference}.{application.letter.name.rsplit('.', 1)[-1]}")


class CityStaffView(WagtailAdminTemplateMixin, TemplateView):
    """A city administrator's page: the city's staff by role, adding by mobile number."""

    template_name = "cities/admin/staff.html"
    page_title = gettext_lazy("My city channel")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.city = selectors.city_of_user(request.user)
        if self.city is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = CityGroup.objects.filter(city=self.city).select_related("group").order_by("role")
        chart = daily_bar_chart(subtree_daily_views(self.city, days=TRAFFIC_DAYS))
        top = with_period_views(ArticlePage.objects.live().descendant_of(self.city).defer_streamfields(),
                                start=chart.bars[0].day if chart.bars else None, end=None)
        context.update(
            city=self.city,
            roles=[(group, CityRole(group.role).label, list(group.group.user_set.order_by("pk"))) for group in groups],
            form=kwargs.get("form") or StaffForm(roles=CityRole.choices),
            chart=chart, days=TRAFFIC_DAYS,
            top_articles=list(top.filter(period_views__gt=0).order_by("-period_views", "-first_published_at")[:10]),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = StaffForm(request.POST, roles=CityRole.choices)
        try:
            if request.POST.get("remove"):
                group = get_object_or_404(CityGroup, city=self.city, role=request.POST.get("role", ""))
                user = get_object_or_404(group.group.user_set, pk=request.POST["remove"])
                services.city_staff_remove(city=self.city, role=group.role, user=user, by=request.user)
                messages.success(request, _("Removed."))
                return redirect("cities_staff")
            if form.is_valid():
                services.city_staff_add(city=self.city, role=form.cleaned_data["role"], phone=form.cleaned_data["phone"], by=request.user)
                messages.success(request, _("Added. They log in to the admin with an SMS code sent to this number."))
                return redirect("cities_staff")
        except services.CityError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return self.render_to_response(self.get_context_data(form=form))


class RecommendView(WagtailAdminTemplateMixin, TemplateView):
    """推荐到全国频道: a national editor shows a city's published article in national channels."""

    template_name = "cities/admin/recommend.html"
    page_title = gettext_lazy("Recommend to a national channel")
    header_icon = "pick"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("cities.add_recommendation"):
            raise PermissionDenied
        self.article = get_object_or_404(ArticlePage, pk=kwargs["page_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = list(Recommendation.objects.filter(article=self.article).select_related("channel", "recommended_by"))
        taken = {r.channel_id for r in current}
        context.update(article=self.article, city=selectors.city_of_page(self.article), recommendations=current,
                       channels=[c for c in selectors.national_channels() if c.pk not in taken])
        return context

    def post(self, request, *args, **kwargs):
        try:
            if request.POST.get("withdraw"):
                recommendation = get_object_or_404(Recommendation, pk=request.POST["withdraw"], article=self.article)
                services.recommendation_withdraw(recommendation=recommendation, user=request.user)
                messages.success(request, _("Recommendation withdrawn."))
            else:
                channel = get_object_or_404(ChannelPage, pk=request.POST.get("channel") or 0)
                services.recommendation_add(article=self.article, channel=channel, user=request.user)
                messages.success(request, _("Recommended to %(channel)s.") % {"channel": channel.title})
        except services.CityError as error:
            messages.error(request, error.message)
        return redirect("cities_recommend", page_id=self.article.pk)
