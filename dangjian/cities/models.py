"""City channels (城市频道): the directory at /city/, each city's channel below it with its
own columns (portal ChannelPages), applications from local party organizations, the city's
staff groups, and recommendations of city articles to national channels.

A city is a subtree of the page tree: /city/<slug>/ and its columns. Everything a city's
staff may do is given by Wagtail's permissions on that subtree and on the city's own
collection (services.city_provision), never by checks of our own scattered in views.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page

from dangjian.core.dependencies import depends_on, depends_on_pages, list_key, page_key
from dangjian.core.models import private_storage
from dangjian.portal.models import ArticlePage, ChannelPage
from dangjian.portal.selectors import with_covers

from . import regions

DIRECTORY_KEY = "cities"  # a page showing every city channel (the directory) records it
CITY_LATEST_COUNT = 10


class CityDirectoryPage(Page):
    """/city/: every city channel, grouped by province."""

    intro = models.TextField(_("Introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["cities.CityChannelPage"]
    max_count = 1

    class Meta:
        verbose_name = _("City channel directory")

    def cities(self):
        return CityChannelPage.objects.live().public().child_of(self).order_by("province_code", "region_code")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = (request.GET.get("q") or "").strip()[:50]
        # Rows, not pages: 300 page instances took longer to build than the rest of the render.
        # A city is a child of the directory, so its address is the directory's and its slug.
        base = self.get_url(request) or "/city/"
        cities = [
            {"pk": pk, "title": title, "url": f"{base}{slug}/", "region_name": region, "province_code": province,
             "articles": ngettext("%(n)s article", "%(n)s articles", count or 0) % {"n": count or 0}}
            for pk, title, slug, region, province, organization, count in self.cities().values_list(
                "pk", "title", "slug", "region_name", "province_code", "organization", "article_count__articles")
            if not query or query in title or query in region or query in organization
        ]
        by_province: dict[str, list] = {}
        for city in cities:
            by_province.setdefault(city["province_code"], []).append(city)
        groups = [(regions.lookup(code).name if regions.lookup(code) else code, items) for code, items in by_province.items()]
        depends_on(page_key(self.pk), DIRECTORY_KEY, *(page_key(city["pk"]) for city in cities))
        context.update(groups=groups, query=query, city_count=len(cities))
        return context


class CityChannelPage(Page):
    """A city's channel: its home page at /city/<slug>/, its columns below it."""

    region_code = models.CharField(_("Region code"), max_length=6, unique=True,
                                   validators=[RegexValidator(r"^\d{6}$", _("A region code has six digits."))])
    region_name = models.CharField(_("Region"), max_length=100)
    province_code = models.CharField(_("Province code"), max_length=6, db_index=True)
    organization = models.CharField(_("Organization"), max_length=100)
    description = models.CharField(_("One-line description"), max_length=200, blank=True)
    logo = models.ForeignKey("wagtailimages.Image", verbose_name=_("Logo"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    contact = models.TextField(_("Contact"), blank=True, help_text=_("Address, telephone or e-mail shown on the city's pages."))
    collection = models.ForeignKey("wagtailcore.Collection", verbose_name=pgettext_lazy("cities", "Collection"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("organization"), FieldPanel("description"), FieldPanel("logo")], heading=_("Header")),
        FieldPanel("contact"),
    ]
    parent_page_types = ["cities.CityDirectoryPage"]
    subpage_types = ["portal.ChannelPage"]

    class Meta:
        verbose_name = _("City channel")
        verbose_name_plural = _("City channels")

    def save(self, *args, **kwargs):
        self.province_code = self.region_code[:2] + "0000"
        super().save(*args, **kwargs)

    def columns(self):
        return ChannelPage.objects.live().public().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.live().public().descendant_of(self)
        latest = list(with_covers(articles.listing())[:CITY_LATEST_COUNT])
        headline = next((a for a in latest if a.is_headline), None) or (latest[0] if latest else None)
        context.update(columns=list(self.columns()), latest=[a for a in latest if a is not headline], headline=headline, city=self)
        depends_on(page_key(self.pk), list_key(self.pk))
        depends_on_pages(context["columns"])
        depends_on_pages(latest)
        return context


class CityArticleCount(models.Model):
    """Published articles below a city, for the directory (counting them there is too slow
    with hundreds of cities: bench/README.md). Not on the page row: publishing the city page's revision would put
    the revision's old count back. Kept by signals.py after each commit."""

    city = models.OneToOneField(CityChannelPage, on_delete=models.CASCADE, primary_key=True, related_name="article_count")
    articles = models.PositiveIntegerField(default=0)


class CityRole(models.TextChoices):
    ADMIN = "admin", pgettext_lazy("city role", "City administrator")
    FIRST_REVIEW = "first", pgettext_lazy("city role", "Editor / first review")
    SECOND_REVIEW = "second", pgettext_lazy("city role", "Second review")
    FINAL_REVIEW = "final", pgettext_lazy("city role", "Final review")


class CityGroup(models.Model):
    """One of a city's staff groups; its Django group holds the permissions."""

    city = models.ForeignKey(CityChannelPage, verbose_name=_("City channel"), on_delete=models.CASCADE, related_name="staff_groups")
    role = models.CharField(_("Role"), max_length=10, choices=CityRole.choices)
    group = models.OneToOneField(Group, verbose_name=pgettext_lazy("cities", "Group"), on_delete=models.CASCADE, related_name="city_group")

    class Meta:
        verbose_name = _("City staff group")
        verbose_name_plural = _("City staff groups")
        constraints = [models.UniqueConstraint(fields=["city", "role"], name="cities_one_group_per_role")]


class CityApplication(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("application", "Pending review")
        APPROVED = "approved", pgettext_lazy("application", "Approved")
        REJECTED = "rejected", pgettext_lazy("application", "Rejected")

    reference = models.CharField(_("Reference number"), max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Applicant"), on_delete=models.PROTECT,
                                  related_name="city_applications")
    organization = models.CharField(_("Organization"), max_length=100)
    region_code = models.CharField(_("Region code"), max_length=6)
    region_name = models.CharField(_("Region"), max_length=100)
    contact_name = models.CharField(_("Contact person"), max_length=30)
    contact_phone = models.CharField(_("Contact mobile number"), max_length=20)
    letter = models.FileField(_("Official letter"), storage=private_storage, upload_to="city-letters/%Y/%m/")
    letter_type = models.CharField(_("Letter type"), max_length=10)
    channel_name = models.CharField(_("Proposed channel name"), max_length=30)
    slug = models.SlugField(_("Proposed address"), max_length=40, allow_unicode=False)
    description = models.CharField(_("Channel description"), max_length=200, blank=True)
    status = models.CharField(pgettext_lazy("cities", "Status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.TextField(_("Reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("Decided"), null=True, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("cities", "Submitted"), auto_now_add=True)
    city = models.ForeignKey(CityChannelPage, verbose_name=_("City channel"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="applications")

    class Meta:
        verbose_name = _("City channel application")
        verbose_name_plural = _("City channel applications")
        ordering = ["-created_at"]
        constraints = [
            # Two applications for one region in review at once: the second is refused
            # (services.city_application_submit), and this holds under concurrent submits.
            models.UniqueConstraint(fields=["region_code"], condition=Q(status="pending"), name="cities_one_open_application_per_region"),
            models.UniqueConstraint(fields=["applicant"], condition=Q(status="pending"), name="cities_one_open_application_per_applicant"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.organization}"


class Recommendation(models.Model):
    """A city article shown in a national channel's lists (推荐到全国频道); it keeps its own URL."""

    article = models.ForeignKey(ArticlePage, verbose_name=_("Article"), on_delete=models.CASCADE, related_name="recommendations")
    channel = models.ForeignKey(ChannelPage, verbose_name=_("National channel"), on_delete=models.CASCADE, related_name="recommended")
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Recommended by"), null=True,
                                       on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("Recommended"), auto_now_add=True)

    class Meta:
        verbose_name = _("Recommendation")
        verbose_name_plural = _("Recommendations")
        constraints = [models.UniqueConstraint(fields=["article", "channel"], name="cities_recommend_once")]
