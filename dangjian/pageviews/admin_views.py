"""Editors' views of the counts: one article's last 90 days, and the most viewed articles."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import AdminDateInput

from dangjian.core.adminscope import narrowed_pages
from dangjian.portal.models import ArticlePage

from . import selectors
from .charts import daily_bar_chart

CHART_DAYS = 90


class ArticleViewsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "pageviews/admin/article_views.html"
    header_icon = "view"

    def dispatch(self, request, page_id: int):
        self.article = get_object_or_404(ArticlePage, pk=page_id)
        if not self.article.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Views")

    def get_page_subtitle(self):
        return self.article.title

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.article.pk]), "label": self.article.title},
            {"url": "", "label": _("Views")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            article=self.article, views=selectors.article_views(self.article), days=CHART_DAYS,
            chart=daily_bar_chart(selectors.daily_views(self.article.pk, days=CHART_DAYS)),
        )
        return context


class TopArticlesFilterSet(WagtailFilterSet):
    start = django_filters.DateFilter(label=pgettext_lazy("pageviews", "From"), widget=AdminDateInput, method="by_period")
    end = django_filters.DateFilter(label=pgettext_lazy("pageviews", "To"), widget=AdminDateInput, method="by_period")
    scope = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=lambda request: narrowed_pages(selectors.hot_list_scopes(), request.user), method="by_scope",
        empty_label=_("The whole site"),
    )

    class Meta:
        model = ArticlePage
        fields = []

    def by_period(self, queryset, name, value):
        return queryset  # the period decides the views column, not which rows (see get_queryset)

    def by_scope(self, queryset, name, value):
        return queryset.descendant_of(value) if value else queryset


class TopArticlesView(ReportView):
    page_title = _("Most viewed articles")
    header_icon = "view"
    filterset_class = TopArticlesFilterSet
    index_url_name = "pageviews_top_articles"
    index_results_url_name = "pageviews_top_articles_results"
    paginate_by = 50
    columns = [
        TitleColumn("title", label=_("Title"), get_url=lambda article: reverse("pageviews_article", args=[article.pk])),
        DateColumn("first_published_at", label=pgettext_lazy("pageviews", "Published")),
        Column("period_views", label=_("Views")),
    ]
    list_export = ["id", "title", "first_published_at", "period_views"]
    export_headings = {"id": "ID", "title": _("Title"), "first_published_at": pgettext_lazy("pageviews", "Published"), "period_views": _("Views")}

    def get_filename(self):
        return "most-viewed-articles"

    def get_queryset(self):
        articles = self.filter_queryset(narrowed_pages(ArticlePage.objects.live().defer_streamfields(), self.request.user))
        data = self.filters.form.cleaned_data if self.filters.is_valid() else {}
        articles = selectors.with_period_views(articles, start=data.get("start"), end=data.get("end"))
        return articles.filter(period_views__gt=0).order_by("-period_views", "-first_published_at")

    def get_filtered_queryset(self):
        return self.get_queryset()
