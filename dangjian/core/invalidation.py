"""The one place that decides which cached pages an event makes stale, and purges them.

| event                                         | purged                     |
|-----------------------------------------------|----------------------------|
| a page is published, unpublished, moved       | every cached page          |
| a page is deleted                             | every cached page          |
| site settings or a Wagtail Site change        | every cached page          |
| a page's view restriction added or removed    | every cached page          |
| an image is saved or deleted (covers, logo)   | every cached page          |
| `purge_pages(reason=...)` from other features | every cached page          |
| hot lists changed order (pageviews.services)  | the pages showing them     |

Why everything: one article appears on the home page, its channel's list pages, the site and
channel feeds, the sitemap, the hot lists and as previous/next/related on other articles;
settings appear on every page. Hot lists are the exception: they change every few minutes
on a busy site and appear only on their home or channel page, so only those are purged.
Publishing is rare next to reading (tens a day against
millions of views), so a full purge costs one re-render per page actually read, and it can
never leave a stale page behind. Features (banners, takedowns, hot lists, city channels)
call purge_pages; they never touch the cache themselves.

Purges run after the transaction commits, so the next render sees the new data; a render
that began before the purge is not stored (see pagecache.PageCache.store).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .middleware import page_cache

logger = logging.getLogger(__name__)
T = TypeVar("T")


def purge_pages(*, reason: str, paths: list[str] | None = None) -> None:
    """Purge every cached page, or only those at `paths` (URL paths, all hosts)."""

    def purge():
        if paths is None:
            page_cache().purge_all()
        else:
            page_cache().purge_paths(paths)
        logger.info("page cache purged (%s): %s", "all" if paths is None else ", ".join(paths), reason)

    transaction.on_commit(purge)


# Values computed from what the purges follow (pages, settings, sites), kept in this process
# while the page cache's generation stays the same: a purge in any process (publishing,
# settings saved) writes a new generation, which every process reads before using them.
_until_purge: dict = {}


def until_purge(key, compute: Callable[[], T]) -> T:
    """compute(), or what it returned here since the last purge. For what every uncached
    page renders and only a purge can change: the header's channels took 6 of the 11 ms of
    a page with nothing else (3 queries, 2-core machine). The value is shared by the
    process's requests and threads, so nothing may change it."""
    generation = page_cache().generation()  # before computing: a purge meanwhile makes it stale
    cached = _until_purge.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    value = compute()
    _until_purge[key] = (generation, value)
    return value


def _on_page_change(sender, instance, **kwargs):
    purge_pages(reason=f"page {instance.pk} changed")


def _on_delete(sender, instance, **kwargs):
    if isinstance(instance, Page | Site | PageViewRestriction | get_image_model()):
        purge_pages(reason=f"{sender.__name__} {instance.pk} deleted")


def _on_save(sender, instance, **kwargs):
    purge_pages(reason=f"{sender.__name__} {instance.pk} saved")


def connect() -> None:
    from dangjian.portal.models import PortalSettings

    page_published.connect(_on_page_change, dispatch_uid="pagecache-published")
    page_unpublished.connect(_on_page_change, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(_on_page_change, dispatch_uid="pagecache-moved")
    post_delete.connect(_on_delete, dispatch_uid="pagecache-deleted")
    # A restricted page (and its subtree) must leave the cache, and the header's channels.
    for model in (PortalSettings, Site, PageViewRestriction, get_image_model()):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"pagecache-saved-{model._meta.label}")
