"""Banners (横幅): images in fixed places of the pages, each shown in its time window to the
pages it targets, rotated by weight, with clicks counted through /b/<id>/."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.images.models import Picture
from wagtail.models import PreviewableMixin


class Banner(PreviewableMixin, models.Model):
    class Position(models.TextChoices):
        HOME_TOP = "home_top", _("Home page, top")
        HOME_MIDDLE = "home_middle", _("Home page, middle")
        ARTICLE_BOTTOM = "article_bottom", _("Below articles")
        CHANNEL_SIDE = "channel_side", _("Channel pages, side column")
        CITY = "city", _("City channel pages, side column")

    # The size each place shows a banner at (width × height in pixels): the size guide.
    SIZES = {
        Position.HOME_TOP: (1200, 150), Position.HOME_MIDDLE: (1200, 120), Position.ARTICLE_BOTTOM: (1000, 200),
        Position.CHANNEL_SIDE: (300, 250), Position.CITY: (300, 250),
    }

    name = models.CharField(_("Name (for editors)"), max_length=100)
    position = models.CharField(_("Position"), max_length=20, choices=Position.choices)
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("Image"), on_delete=models.PROTECT, related_name="+")
    alt_text = models.CharField(_("Text of the image"), max_length=150,
                                help_text=_("What the banner says, for readers who cannot see the image (screen readers)."))
    link = models.URLField(_("Link"), max_length=500, blank=True,
                           help_text=_("Where a click goes; empty: the banner is an image, not a link."))
    starts_at = models.DateTimeField(_("Shown from"), default=timezone.now)
    ends_at = models.DateTimeField(_("Shown until"), null=True, blank=True, help_text=_("Empty: until switched off."))
    # None: the whole site; a channel: the channel and its articles; a city channel: the city's pages.
    target = models.ForeignKey("wagtailcore.Page", verbose_name=_("Shown on"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", help_text=_("Empty: the whole site. A channel or city channel: its pages and articles."))
    weight = models.PositiveSmallIntegerField(_("Weight"), default=1,
                                              help_text=_("Among the banners of one place, one with weight 2 is shown twice as often as one with 1."))
    active = models.BooleanField(_("Active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # When the pages showing the place were purged for the window's start and end (tasks.py).
    start_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("position"), HelpPanel(content=_(
            "Image sizes by place (width × height in pixels; twice as large looks sharp on phones): home page top 1200 × 150, "
            "home page middle 1200 × 120, below articles 1000 × 200, side columns 300 × 250."))], heading=_("Place")),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("alt_text"), FieldPanel("link")], heading=_("Banner")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]), FieldPanel("target"),
                         FieldRowPanel([FieldPanel("weight"), FieldPanel("active")])], heading=_("When and where")),
    ]

    class Meta:
        verbose_name = _("Banner")
        verbose_name_plural = _("Banners")
        ordering = ["position", "-weight", "pk"]
        indexes = [models.Index(fields=["position", "active"], name="banners_position_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.weight < 1 or self.weight > 100:
            raise ValidationError({"weight": _("The weight is a whole number from 1 to 100.")})

    def get_preview_template(self, request, mode_name):
        return "banners/preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        width, height = self.SIZES.get(self.position, (1000, 200))
        context.update(width=width, height=height, picture=self.picture(lazy=False) if self.image_id else None)
        return context

    def picture(self, *, lazy: bool = True) -> Picture:
        """The banner's <picture>: WebP at half, full and double the place's size (phones,
        desktops, sharp screens) with a JPEG fallback; the browser picks by its width."""
        width, height = self.SIZES.get(self.position, (1000, 200))
        specs = [f"max-{width * n // 2}x{height * n // 2}|format-{kind}" for kind in ("webp", "jpeg") for n in (1, 2, 4)]
        attrs = {"alt": self.alt_text, "sizes": f"(max-width: {width}px) 100vw, {width}px"}
        if lazy:
            attrs["loading"] = "lazy"
        return Picture(self.image.get_renditions(*specs), attrs)

    def shown_at(self, now) -> bool:
        return self.active and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


class BannerClicks(models.Model):
    """Clicks of a banner per day (Beijing time), each visitor counted once a day."""

    banner = models.ForeignKey(Banner, on_delete=models.CASCADE, related_name="clicks")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["banner", "day"], name="banners_clicks_per_day")]
