"""The portal's content: home page, channels (栏目), articles and the operator's site settings.

Articles live at /a/<page id>/ rather than at their tree path: the page id never changes, so
a link shared into a chat keeps working when an editor retitles the article, renames its
slug or moves it to another channel, and it is short and ASCII.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.http import HttpResponsePermanentRedirect
from django.utils.translation import gettext_lazy as _
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
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图片说明"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "portal/blocks/image.html"


class ArticleBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("正文段落"))
    image = ImageWithCaptionBlock()


def with_covers(articles):
    """Load the cover images and their renditions of a batch of articles in two queries."""
    return articles.prefetch_related(
        Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(LIST_COVER))
    )


class HomePage(Page):
    headline_count = models.PositiveSmallIntegerField(_("头条数量"), default=5)
    channel_list_count = models.PositiveSmallIntegerField(_("每个栏目显示文章数"), default=6)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("headline_count"), FieldPanel("channel_list_count")]),
    ]
    subpage_types = ["portal.ChannelPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # public() costs a query for the view restrictions: take it once and chain from it.
        visible = ArticlePage.objects.live().public()
        articles = visible.descendant_of(self)
        headlines = list(with_covers(articles.filter(is_headline=True).newest())[: self.headline_count])
        if not headlines:
            headlines = list(with_covers(articles.newest())[: self.headline_count])
        context["headlines"] = headlines
        context["channel_blocks"] = [
            (channel, list(visible.child_of(channel).newest()[: self.channel_list_count]))
            for channel in ChannelPage.objects.live().public().child_of(self).in_menu()
        ]
        # The view-count issue replaces this with ranked hot lists; until then, the newest.
        context["hot_articles"] = list(articles.newest()[:10])
        return context


class ChannelPage(RoutablePageMixin, Page):
    description = models.CharField(_("栏目简介"), max_length=300, blank=True)
    accepts_contributions = models.BooleanField(
        _("接受投稿"), default=False, help_text=_("勾选后，投稿人可以向本栏目投稿。")
    )

    content_panels = Page.content_panels + [FieldPanel("description"), FieldPanel("accepts_contributions")]
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.ArticlePage"]

    class Meta:
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")

    def articles(self):
        return ArticlePage.objects.live().public().child_of(self).newest()

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
    def newest(self):
        return self.order_by("-first_published_at", "-pk")


class ArticlePage(Page):
    class SourceType(models.TextChoices):
        ORIGINAL = "original", _("原创")
        CONTRIBUTED = "contributed", _("作者来稿")
        SHARED = "shared", _("网友分享")
        REPOST = "repost", _("转载")

    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    summary = models.TextField(_("摘要"), max_length=500, blank=True, help_text=_("用于列表和分享卡片，建议不超过120字。"))
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("封面图片"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("正文"), blank=True)
    is_headline = models.BooleanField(_("首页头条"), default=False)
    source_type = models.CharField(_("来源类型"), max_length=20, choices=SourceType.choices, default=SourceType.ORIGINAL)
    source_name = models.CharField(_("转载来源"), max_length=100, blank=True)
    source_url = models.URLField(_("原文链接"), max_length=500, blank=True)
    original_author = models.CharField(_("原作者"), max_length=100, blank=True)
    original_title = models.CharField(_("原标题"), max_length=255, blank=True)
    byline_organization = models.CharField(_("供稿单位"), max_length=100, blank=True)
    byline_author = models.CharField(_("作者"), max_length=100, blank=True)
    responsible_editor = models.CharField(_("责任编辑"), max_length=50, blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("标签"))
    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    initial_views = models.PositiveBigIntegerField(
        _("起始浏览量"), default=0, help_text=_("从旧网站迁移的文章填写原有浏览量，新的浏览在此基础上累加。")
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
            heading=_("署名"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("source_type"),
                FieldRowPanel([FieldPanel("source_name"), FieldPanel("source_url")]),
                FieldRowPanel([FieldPanel("original_author"), FieldPanel("original_title")]),
            ],
            heading=_("来源"),
        ),
    ]
    promote_panels = Page.promote_panels + [FieldPanel("tags"), FieldPanel("is_headline")]
    settings_panels = [
        FieldPanel("first_published_at", heading=_("发布时间"), help_text=_("留空则为首次发布的时间；迁移旧文章时填写原发布时间。")),
        FieldPanel("initial_views"),
    ] + Page.settings_panels
    parent_page_types = ["portal.ChannelPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("文章")
        verbose_name_plural = _("文章")

    def clean(self) -> None:
        super().clean()
        if self.source_type == self.SourceType.REPOST and not self.source_name:
            raise ValidationError({"source_name": _("转载的文章必须填写转载来源。")})

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
        channel = self.get_parent().specific
        visible = ArticlePage.objects.live().public().exclude(pk=self.pk)
        siblings = visible.child_of(channel)
        published = self.first_published_at
        if published:
            context["previous_article"] = siblings.filter(
                Q(first_published_at__lt=published) | Q(first_published_at=published, pk__lt=self.pk)
            ).newest().first()
            context["next_article"] = siblings.filter(
                Q(first_published_at__gt=published) | Q(first_published_at=published, pk__gt=self.pk)
            ).order_by("first_published_at", "pk").first()
        tag_ids = [tag.pk for tag in self.tags.all()]
        related = siblings
        if tag_ids:
            related = visible.filter(tags__in=tag_ids).distinct()
        context["related_articles"] = list(related.newest()[:5])
        context["channel"] = channel
        context["tag_list"] = self.tags.all()
        return context


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    site_name = models.CharField(_("网站名称"), max_length=50, default="基层党建网")
    description = models.CharField(_("网站简介"), max_length=120, blank=True, help_text=_("显示在网站名称下方的一句话介绍。"))
    logo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("网站标志"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    telephone = models.CharField(_("电话"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    icp_number = models.CharField(_("ICP备案号"), max_length=50, blank=True, help_text=_("例如：京ICP备12345678号-1"))
    icp_link = models.URLField(_("ICP备案查询链接"), default="https://beian.miit.gov.cn/")
    police_number = models.CharField(_("公安备案号"), max_length=50, blank=True, help_text=_("例如：京公网安备11010502030143号"))
    police_link = models.URLField(_("公安备案查询链接"), blank=True, help_text=_("公安备案号的查询链接，留空则只显示号码。"))
    copyright_notice = models.TextField(
        _("版权声明"),
        default=(
            "本网站所刊载的内容，部分为原创，部分为作者来稿、网友分享或转载自网络，转载仅为传递更多信息。"
            "如权利人认为相关内容侵犯其合法权益，请发送邮件至 {email}，我们将在收到通知后 {days} 日内核实处理。"
        ),
        help_text=_("文中的 {email} 会替换为投诉邮箱，{days} 会替换为处理期限天数。"),
    )
    complaint_email = models.EmailField(_("侵权投诉邮箱"), blank=True)
    complaint_days = models.PositiveSmallIntegerField(_("投诉处理期限（天）"), default=3)
    cooperation_title = models.CharField(_("频道合作标题"), max_length=50, default="频道合作")
    cooperation_text = models.TextField(
        _("频道合作邀请"),
        default="诚邀各地党组织申请开设城市频道，展示本地党建工作成果。本网流量大、覆盖广，欢迎联系合作。",
    )
    share_hint = models.CharField(_("分享提示"), max_length=100, default="保存到手机，分享给更多人")
    banner_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("文章底部横幅"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    banner_link = models.URLField(_("横幅链接"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("site_name"), FieldPanel("description"), FieldPanel("logo")], heading=_("网站")),
        MultiFieldPanel([FieldPanel("address"), FieldPanel("telephone"), FieldPanel("email")], heading=_("联系方式")),
        MultiFieldPanel(
            [FieldPanel("icp_number"), FieldPanel("icp_link"), FieldPanel("police_number"), FieldPanel("police_link")],
            heading=_("备案信息"),
        ),
        MultiFieldPanel(
            [FieldPanel("copyright_notice"), FieldPanel("complaint_email"), FieldPanel("complaint_days")],
            heading=_("版权声明与侵权投诉"),
        ),
        MultiFieldPanel([FieldPanel("cooperation_title"), FieldPanel("cooperation_text")], heading=_("频道合作")),
        MultiFieldPanel([FieldPanel("share_hint"), FieldPanel("banner_image"), FieldPanel("banner_link")], heading=_("分享与横幅")),
    ]

    class Meta:
        verbose_name = _("网站设置")

    @property
    def copyright_text(self) -> str:
        contact = self.complaint_email or self.email
        return self.copyright_notice.replace("{email}", contact).replace("{days}", str(self.complaint_days))
