"""Reading the portal's content: what lists, menus and other apps read from it."""

from __future__ import annotations

import html
import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Cast
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import GroupPagePermission, Page, WorkflowState

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


def channels_for_writing(user, *, limit: int = 40) -> list[tuple[ChannelPage, str]]:
    """The channels `user` may add articles to, in tree order, each with its name as the
    dashboard shows it (a city column with its city's name). Permission on the whole site
    lists the national channels: each city's columns are its own staff's to write in."""
    if user.is_superuser:
        paths = {Page.get_first_root_node().path}
    else:
        paths = set(GroupPagePermission.objects.filter(group__user=user, permission__codename="add_page")
                    .values_list("page__path", flat=True))
    within = Q(pk__in=[])
    for path in paths:
        within |= Q(path__startswith=path, depth=3) if len(path) // Page.steplen < 3 else Q(path__startswith=path)
    channels = list(ChannelPage.objects.live().filter(within).order_by("path")[:limit])
    parents = {page.path: page.title for page in Page.objects.filter(
        path__in={channel.path[:-Page.steplen] for channel in channels if channel.depth > 3})}
    return [(channel, f"{parents[channel.path[:-Page.steplen]]} · {channel.title}" if channel.depth > 3 else channel.title)
            for channel in channels]


def drafts_of(user, *, limit: int = 10):
    """Articles `user` started that are neither published nor in review, newest first."""
    # Workflow states name their object by a text id: compared as text, which PostgreSQL
    # (unlike SQLite) does not do by itself.
    in_review = WorkflowState.objects.filter(base_content_type=ContentType.objects.get_for_model(Page),
                                             object_id=Cast(OuterRef("pk"), CharField()), status=WorkflowState.STATUS_IN_PROGRESS)
    return (ArticlePage.objects.filter(owner=user, live=False).exclude(Exists(in_review))
            .order_by("-latest_revision_created_at")[:limit])
