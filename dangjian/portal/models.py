"""The portal's content: home page, channels (栏目), articles and the operator's site settings.

Articles live at /a/<page id>/ rather than at their tree path: the page id never changes, so
a link shared into a chat keeps working when an editor retitles the article, renames its
slug or moves it to another channel, and it is short and ASCII.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpResponsePermanentRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "hr", "blockquote"]
CHANNEL_PAGE_SIZE = 20
# Must equal the filters of the {% image %} tag in includes/article_list.html.
LIST_COVER = "fill-360x240|format-jpeg|jpegquality-80"


class ImageWithCaptionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "portal/blocks/image.html"


class ArticleBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Text"))
    image = ImageWithCaptionBlock()


# Text pasted from word processors can carry control characters: invisible on the page,
# but XML 1.0 (feeds) refuses them outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text or "")


def with_covers(articles):
    """Load the cover images and their renditions of a batch of articles in two queries."""
    return articles.prefetch_related(
        Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(LIST_COVER))
    )


class HomePage(Page):
    headline_count = models.PositiveSmallIntegerField(_("Number of headlines"), default=5)
    channel_list_count = models.PositiveSmallIntegerField(_("Articles shown per channel"), default=6)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("headline_count"), FieldPanel("channel_list_count")]),
    ]
    subpage_types = ["portal.ChannelPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("Home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # public() costs a query for the view restrictions: take it once and chain from it.
        visible = ArticlePage.objects.live().public()
        articles = visible.descendant_of(self)
        headlines = list(with_covers(articles.filter(is_headline=True).listing())[: self.headline_count])
        if not headlines:
            headlines = list(with_covers(articles.listing())[: self.headline_count])
        context["headlines"] = headlines
        context["channel_blocks"] = [
            (channel, list(visible.child_of(channel).listing()[: self.channel_list_count]))
            for channel in ChannelPage.objects.live().public().child_of(self).in_menu()
        ]
        # The view-count issue replaces this with ranked hot lists; until then, the newest.
        context["hot_articles"] = list(articles.listing()[:10])
        return context


class ChannelPage(RoutablePageMixin, Page):
    description = models.CharField(_("Channel description"), max_length=300, blank=True)
    accepts_contributions = models.BooleanField(
        _("Accepts contributions"), default=False, help_text=_("When checked, contributors can submit articles to this channel.")
    )

    content_panels = Page.content_panels + [FieldPanel("description"), FieldPanel("accepts_contributions")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.ArticlePage"]

    class Meta:
        verbose_name = _("Channel")
        verbose_name_plural = _("Channels")

    def articles(self):
        return ArticlePage.objects.live().public().child_of(self).listing()

    @path("")
    def index(self, request):
        paginator = Paginator(with_covers(self.articles()), CHANNEL_PAGE_SIZE)
        # get_page turns a page number that is out of range or not a number into a real page.
        page_obj = paginator.get_page(request.GET.get("page"))
        return self.render(request, context_overrides={"page_obj": page_obj, "articles": page_obj.object_list})

    @path("feed/")
    def feed(self, request):
        from .feeds import ArticleFeed

        return ArticleFeed()(request, channel=self)


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey("portal.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items")


class ArticlePageQuerySet(PageQuerySet):
    def listing(self):
        """Newest first, for lists: without the body, the largest column by far.

        Ties break on the page's tree path, a unique column of Wagtail's page table like the
        publish time, so the database can walk portal_page_newest_idx instead of sorting
        every page (Django would turn a tie-break on the id into the child table's key).
        """
        return self.defer_streamfields().order_by("-first_published_at", "-path")


class ArticlePage(Page):
    class SourceType(models.TextChoices):
        ORIGINAL = "original", pgettext_lazy("source type", "Original")
        CONTRIBUTED = "contributed", pgettext_lazy("source type", "Contributed by the author")
        SHARED = "shared", pgettext_lazy("source type", "Shared by a reader")
        REPOST = "repost", pgettext_lazy("source type", "Repost")

    subtitle = models.CharField(_("Subtitle"), max_length=200, blank=True)
    summary = models.TextField(_("Summary"), max_length=500, blank=True, help_text=_("Shown in lists and share cards; 120 characters or fewer is best."))
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("Cover image"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("Body"), blank=True)
    is_headline = models.BooleanField(_("Headline on the home page"), default=False)
    source_type = models.CharField(_("Source type"), max_length=20, choices=SourceType.choices, default=SourceType.ORIGINAL)
    source_name = models.CharField(_("Reposted from"), max_length=100, blank=True)
    source_url = models.URLField(_("Original URL"), max_length=500, blank=True)
    original_author = models.CharField(_("Original author"), max_length=100, blank=True)
    original_title = models.CharField(_("Original title"), max_length=255, blank=True)
    byline_organization = models.CharField(_("Contributing organization"), max_length=100, blank=True)
    byline_author = models.CharField(_("Author"), max_length=100, blank=True)
    responsible_editor = models.CharField(_("Responsible editor"), max_length=50, blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("Tags"))
    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    initial_views = models.PositiveBigIntegerField(
        _("Starting view count"), default=0, help_text=_("For articles migrated from an old site: their view count there. New views are added to it.")
    )

    search_fields = Page.search_fields + [
        index.SearchField("subtitle"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("source_type"),
    ]
    content_panels = Page.content_panels + [
        FieldPanel("subtitle"),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("byline_organization"), FieldPanel("byline_author")]), FieldPanel("responsible_editor")],
            heading=_("Byline"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("source_type"),
                FieldRowPanel([FieldPanel("source_name"), FieldPanel("source_url")]),
                FieldRowPanel([FieldPanel("original_author"), FieldPanel("original_title")]),
            ],
            heading=_("Source"),
        ),
    ]
    promote_panels = Page.promote_panels + [FieldPanel("tags"), FieldPanel("is_headline")]
    settings_panels = [
        FieldPanel("first_published_at", heading=_("Publish time"), help_text=_("Leave empty to use the time of first publication; for migrated articles, enter the original publish time.")),
        FieldPanel("initial_views"),
    ] + Page.settings_panels
    parent_page_types = ["portal.ChannelPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("Article")
        verbose_name_plural = _("Articles")

    def clean(self) -> None:
        for name in ("title", "subtitle", "summary", "byline_organization", "byline_author", "source_name",
                     "original_author", "original_title", "responsible_editor"):
            setattr(self, name, without_control_characters(getattr(self, name)))
        super().clean()
        if self.source_type == self.SourceType.REPOST and not self.source_name:
            raise ValidationError({"source_name": _("A repost must name its source.")})

    # --- URLs -------------------------------------------------------------
    def get_url_parts(self, request=None):
        parts = super().get_url_parts(request)
        if parts is None:
            return None
        site_id, root_url, _path = parts
        return site_id, root_url, f"/a/{self.pk}/"

    def serve(self, request, *args, **kwargs):
        # Reached through the page tree (/channel/slug/): send readers to the stable URL.
        canonical = self.get_url_parts(request)
        if canonical and request.path != canonical[2]:
            return HttpResponsePermanentRedirect(canonical[2])
        return super().serve(request, *args, **kwargs)

    # --- What the article page shows --------------------------------------
    @property
    def view_count(self) -> int:
        return self.initial_views

    @property
    def is_repost(self) -> bool:
        return self.source_type == self.SourceType.REPOST

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        channel = ChannelPage.objects.get(path=self.path[: -self.steplen])
        visible = ArticlePage.objects.live().public().exclude(pk=self.pk)
        siblings = visible.child_of(channel)
        published = self.first_published_at
        if published:
            # The plain range condition next to the OR lets the database seek in the index
            # rather than walk it from the newest article down.
            context["previous_article"] = siblings.filter(
                Q(first_published_at__lt=published) | Q(first_published_at=published, path__lt=self.path),
                first_published_at__lte=published,
            ).listing().first()
            context["next_article"] = siblings.filter(
                Q(first_published_at__gt=published) | Q(first_published_at=published, path__gt=self.path),
                first_published_at__gte=published,
            ).listing().reverse().first()
        tags = list(self.tags.all())
        # EXISTS rather than a join: no DISTINCT, so the newest-first index is walked and the
        # walk stops at the fifth match instead of sorting every tagged article.
        related = visible.filter(
            Exists(ArticleTag.objects.filter(content_object_id=OuterRef("pk"), tag__in=tags))
        ) if tags else siblings
        context["related_articles"] = list(related.listing()[:5])
        context["channel"] = channel
        context["tag_list"] = tags
        return context


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    site_name = models.CharField(_("Site name"), max_length=50, default="基层党建网")
    description = models.CharField(_("Site description"), max_length=120, blank=True, help_text=_("One line shown under the site name."))
    logo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("Logo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("Address"), max_length=200, blank=True)
    telephone = models.CharField(_("Telephone"), max_length=50, blank=True)
    email = models.EmailField(_("E-mail"), blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=50, blank=True, help_text=_("For example: 京ICP备12345678号-1"))
    icp_link = models.URLField(_("ICP filing link"), default="https://beian.miit.gov.cn/")
    police_number = models.CharField(_("Public security filing number"), max_length=50, blank=True, help_text=_("For example: 京公网安备11010502030143号"))
    police_link = models.URLField(_("Public security filing link"), blank=True, help_text=_("Link for the public security filing number; leave empty to show the number only."))
    copyright_notice = models.TextField(
        _("Copyright notice"),
        default=(
            "本网站所刊载的内容，部分为原创，部分为作者来稿、网友分享或转载自网络，转载仅为传递更多信息。"
            "如权利人认为相关内容侵犯其合法权益，请发送邮件至 {email}，我们将在收到通知后 {days} 日内核实处理。"
        ),
        help_text=_("{email} in the text is replaced by the complaint address, {days} by the deadline in days."),
    )
    complaint_email = models.EmailField(_("Complaint e-mail"), blank=True)
    complaint_days = models.PositiveSmallIntegerField(_("Complaint deadline (days)"), default=3)
    cooperation_title = models.CharField(_("Channel cooperation title"), max_length=50, default="频道合作")
    cooperation_text = models.TextField(
        _("Channel cooperation invitation"),
        default="诚邀各地党组织申请开设城市频道，展示本地党建工作成果。本网流量大、覆盖广，欢迎联系合作。",
    )
    share_hint = models.CharField(_("Share hint"), max_length=100, default="保存到手机，分享给更多人")
    banner_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("Banner below articles"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    banner_link = models.URLField(_("Banner link"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("site_name"), FieldPanel("description"), FieldPanel("logo")], heading=_("Site")),
        MultiFieldPanel([FieldPanel("address"), FieldPanel("telephone"), FieldPanel("email")], heading=_("Contact")),
        MultiFieldPanel(
            [FieldPanel("icp_number"), FieldPanel("icp_link"), FieldPanel("police_number"), FieldPanel("police_link")],
            heading=_("Filings"),
        ),
        MultiFieldPanel(
            [FieldPanel("copyright_notice"), FieldPanel("complaint_email"), FieldPanel("complaint_days")],
            heading=_("Copyright and complaints"),
        ),
        MultiFieldPanel([FieldPanel("cooperation_title"), FieldPanel("cooperation_text")], heading=_("Channel cooperation")),
        MultiFieldPanel([FieldPanel("share_hint"), FieldPanel("banner_image"), FieldPanel("banner_link")], heading=_("Sharing and banner")),
    ]

    class Meta:
        verbose_name = _("Site settings")

    @property
    def copyright_text(self) -> str:
        contact = self.complaint_email or self.email
        return self.copyright_notice.replace("{email}", contact).replace("{days}", str(self.complaint_days))
