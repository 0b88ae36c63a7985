"""Reading the portal's content: what lists, menus and other apps read from it."""

from __future__ import annotations

import html
import re

from django.db.models import Prefetch
from wagtail.images import get_image_model
from wagtail.images.models import Filter

from .models import ArticlePage, ChannelPage

# Must equal the filters of the {% picture %} tag in includes/article_list.html: two sizes
# (phones, and wide or 2x screens), WebP with a JPEG fallback.
LIST_COVER = Filter().expand_spec("fill-{240x160,360x240}|format-{webp,jpeg}|jpegquality-80|webpquality-80")
TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")


def with_covers(articles):
    """Load the cover images and their renditions of a batch of articles in two queries."""
    return articles.prefetch_related(
        Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(*LIST_COVER))
    )


def published_channels():
    """Published channels readers may see, in tree order. The ids come from the channel
    table first: joined from the page side, SQLite walks every page of the site to find the
    few channels, on every search page and in every header (figures in bench/README.md)."""
    # order_by(): Wagtail orders pages by path, which would join the page table for the ids.
    ids = list(ChannelPage.objects.order_by().values_list("pk", flat=True))
    return ChannelPage.objects.live().public().filter(pk__in=ids).order_by("path")


def article_text(page: ArticlePage) -> str:
    """The words a reader sees on the article page, as plain text."""
    parts = [page.subtitle, page.summary]
    # The stored JSON rather than the StreamField's blocks: the rich text is all that is
    # needed, and converting every body block by block is most of a search index rebuild.
    for block in page.body.raw_data:
        value = block.get("value")
        if block.get("type") == "text" and isinstance(value, str):
            parts.append(html.unescape(TAG.sub(" ", value)))
        elif block.get("type") == "image" and isinstance(value, dict):
            parts.append(value.get("caption") or "")
    parts += [page.byline_organization, page.byline_author, page.source_name]
    return SPACE.sub(" ", " ".join(part for part in parts if part)).strip()
