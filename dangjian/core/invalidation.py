"""The one place that decides which cached pages an event makes stale, and purges them.

Each cached page records the keys it was built from (dependencies.py). An event maps to
keys; the pages that recorded them are marked stale: served as they are for at most
``DANGJIAN_PAGE_CACHE_STALE_SECONDS`` while one render per URL replaces them (fastpath.py).
A page that must not be seen again (its own URL when it is published, unpublished, made
private, moved or deleted) is removed at once: the next request renders it.

| event (page X, below ancestors A)        | removed at once          | marked stale                                   |
|------------------------------------------|--------------------------|------------------------------------------------|
| X published (new, edited, scheduled)     | X's own URLs             | page:X; list:A where X is among the newest     |
|                                          |                          | LIST_SPAN pages of its type below A; X's       |
|                                          |                          | previous and next sibling; sitemap; keys that  |
|                                          |                          | features register (headlines:<home>); the      |
|                                          |                          | channels menu when X's parent is a site root   |
| X unpublished or deleted (live before)   | X's own URLs             | page:X; sitemap; channels menu as above        |
| X moved (live)                           | X's old and new URLs     | as for publishing, at the new place; page:X    |
|                                          |                          | covers the old place's lists                   |
| a view restriction added to or removed   | the own URLs of X and    | page:<each>; list:A; sitemap; channels menu    |
| from X                                   | every page below it      |                                                |
| an image saved or deleted                | -                        | page:P for each live page P using it (Wagtail's|
|                                          |                          | reference index); everything if site settings  |
|                                          |                          | use it                                         |
| site settings (PortalSettings), Site     | -                        | everything                                     |
| hot lists changed (pageviews)            | -                        | hot:<scope>                                    |
| backup restored, `purge_cache --all`,    | everything               | -                                              |
| upgrade (serve, migrate)                 |                          |                                                |
| `purge_cache URL…`                       | those URLs               | -                                              |
| X taken down (complaints)                | X's own URLs, every page | as for unpublishing                            |
|                                          | showing X, the sitemap   |                                                |
| a draft saved, a draft moved or deleted, | -                        | -                                              |
| an image no live page or setting uses    |                          |                                                |

X's own URLs are its URL (``/a/<id>/`` for an article) and every cached URL below it that
shows it (a channel's feed). A page that is not live shows in no cached page, so changes to
drafts purge nothing. Lists that already show X recorded page:X, so an edit of an old
article leaves its channel's first page and the home page alone. Related-articles blocks
show only earlier articles (portal), so a new article changes no other article's page but
its neighbour's previous/next link.

Features call ``purge_pages`` with keys or paths and register extra keys for page changes
with ``register_page_keys``; they never touch the cache themselves. Purges run after the
transaction commits, so the next render sees the new data; a render that began before the
purge is not stored (pagecache.PageCache.store).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Site, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import dependencies
from .broadcast import PurgeMessage, broadcast
from .dependencies import list_key, page_key
from .middleware import page_cache

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The longest list of newest pages a cached page shows (the feeds' 30): a page published
# further down than this below an ancestor enters none of that ancestor's lists.
LIST_SPAN = 30

# Features' extra keys for a changed live page: f(page, ancestor ids) -> keys.
_page_key_sources: list[Callable[[Page, list[int]], Iterable[str]]] = []
# Models every page shows (site settings): saving one makes everything stale.
_everywhere_models: list[type[Model]] = []


def register_page_keys(source: Callable[[Page, list[int]], Iterable[str]]) -> None:
    """Add keys a live page's change makes stale, e.g. the home page's headlines."""
    _page_key_sources.append(source)


def register_everywhere_model(model: type[Model]) -> None:
    """Saving or deleting an instance of `model` (shown on every page) makes everything stale."""
    _everywhere_models.append(model)
    post_save.connect(_on_everywhere_change, sender=model, dispatch_uid=f"pagecache-everywhere-saved-{model._meta.label}")
    post_delete.connect(_on_everywhere_change, sender=model, dispatch_uid=f"pagecache-everywhere-deleted-{model._meta.label}")


@dataclass
class Purge:
    """What one event purges (see the table above)."""

    reason: str
    stale_keys: set[str] = field(default_factory=set)
    stale_paths: set[str] = field(default_factory=set)  # URL paths, on every host
    removed_paths: set[str] = field(default_factory=set)  # URL paths, on every host
    removed_below: set[tuple[str, str]] = field(default_factory=set)  # (key, path): remove the URLs below path with key
    removed_keys: set[str] = field(default_factory=set)  # remove every URL recorded with one of these
    everything: bool = False
    hard: bool = False

    def apply(self) -> None:
        try:
            self._apply()
        except Exception:
            # The change is committed: rather no cached page than an outdated one.
            logger.exception("page cache: purge failed (%s); removing every page", self.reason)
            page_cache().remove_all()

    def _apply(self) -> None:
        started = time.perf_counter()
        cache = page_cache()
        message = PurgeMessage(everything=self.everything, hard=self.hard)
        if not self.everything:
            message.removed_paths = sorted(self.removed_paths)
            prefixes: dict[str, list[str]] = {}
            for key, path in self.removed_below:
                prefixes.setdefault(key, []).append(path)
            message.removed_urls = sorted({
                url for url, key in dependencies.urls_with_keys(prefixes)
                if ("/" + url.partition("/")[2]).startswith(tuple(prefixes[key]))
            } | set(dependencies.urls_depending_on(self.removed_keys)))
            message.stale_urls = sorted(dependencies.urls_depending_on(self.stale_keys))
            message.stale_paths = sorted(self.stale_paths)
        done = message.apply(cache)
        logger.info("page cache: %s in %.1f ms (%s)", done, (time.perf_counter() - started) * 1000, self.reason)
        stream = broadcast()
        if stream is not None:
            try:
                stream.publish(message)
            except Exception:
                # Every host follows the same Redis: one that lost it too removes every page
                # when it reconnects.
                logger.exception("page cache: purge not broadcast to the other hosts (%s)", self.reason)


def purge_pages(*, reason: str, keys: Iterable[str] = (), paths: Iterable[str] = (), removed_keys: Iterable[str] = (),
                everything: bool = False, hard: bool = False) -> None:
    """After the transaction commits: mark the pages recorded with `keys` stale, remove the
    pages at `paths` (URL paths, every host) and those recorded with `removed_keys` (what
    must not be seen again even for the seconds a stale page is served), or with
    `everything` make every page stale (removed, with `hard`)."""
    _schedule(Purge(reason=reason, stale_keys=set(keys), removed_paths=set(paths), removed_keys=set(removed_keys),
                    everything=everything, hard=hard))


def _schedule(purge: Purge) -> None:
    transaction.on_commit(purge.apply)


# Values computed from what the purges follow (pages, settings, sites), kept in this process
# while the page cache's generation stays the same: a purge in any process (publishing,
# settings saved) writes a new generation, which every process reads before using them.
_until_purge: dict = {}


def until_purge(key, compute: Callable[[], T]) -> T:
    """compute(), or what it returned here since the last purge. For what every uncached
    page renders and only a purge can change, such as the header's channels. The value is
    shared by the process's requests and threads, so nothing may change it."""
    generation = page_cache().generation()  # before computing: a purge meanwhile makes it stale
    if generation is None:  # purges cannot be seen: nothing is kept
        return compute()
    cached = _until_purge.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    value = compute()
    _until_purge[key] = (generation, value)
    return value


# --- what a page event purges -------------------------------------------------
def _ancestors(page: Page) -> list[Page]:
    """The page's ancestors below the tree root, top first."""
    steplen = page.steplen
    paths = [page.path[:end] for end in range(2 * steplen, len(page.path), steplen)]
    return list(Page.objects.filter(path__in=paths).order_by("path").only("pk", "path", "depth"))


def _own_paths(page: Page, *url_paths: str) -> set[str]:
    """The URL paths of `page`: its URL, and its tree URL at each url_path given (a move)."""
    paths = set()
    parts = page.specific_deferred.get_url_parts()
    if parts:
        paths.add(parts[2])
    for url_path in url_paths:
        for _site_id, root_path, _root_url, _language in Site.get_site_root_paths():
            if url_path.startswith(root_path):
                paths.add("/" + url_path[len(root_path):])
    return paths


def _removed(purge: Purge, page: Page, *url_paths: str) -> None:
    """X's own URLs leave the cache at once, and every page showing X becomes stale."""
    own = _own_paths(page, page.url_path, *url_paths)
    purge.removed_paths |= own
    purge.removed_below |= {(page_key(page.pk), path) for path in own if path != "/"}  # "/" is below nothing
    purge.stale_keys |= {page_key(page.pk), dependencies.SITEMAP}


def _placed(purge: Purge, page: Page, ancestors: list[Page]) -> None:
    """X is live at its place: lists it newly enters and its neighbours become stale."""
    published = page.first_published_at
    same_type = Page.objects.live().filter(content_type_id=page.content_type_id).order_by()
    if published is not None:
        for ancestor in ancestors:
            newer = same_type.filter(path__startswith=ancestor.path, first_published_at__gt=published).exclude(pk=page.pk)
            if newer[:LIST_SPAN].count() < LIST_SPAN:
                purge.stale_keys.add(list_key(ancestor.pk))
        siblings = same_type.filter(path__startswith=page.path[: -page.steplen], depth=page.depth).exclude(pk=page.pk)
        earlier = siblings.filter(Q(first_published_at__lt=published) | Q(first_published_at=published, path__lt=page.path))
        later = siblings.filter(Q(first_published_at__gt=published) | Q(first_published_at=published, path__gt=page.path))
        for neighbour in (earlier.order_by("-first_published_at", "-path").first(),
                          later.order_by("first_published_at", "path").first()):
            if neighbour is not None:
                purge.stale_paths |= _own_paths(neighbour)
    ancestor_ids = [ancestor.pk for ancestor in ancestors]
    for source in _page_key_sources:
        purge.stale_keys.update(source(page.specific_deferred, ancestor_ids))


def _menu(purge: Purge, tree_path: str, *former_parent_paths: str) -> None:
    """The channels menu shows the children of site roots: stale when the page at
    `tree_path` is a site root or the child of one, now or (a move) before."""
    candidates = {tree_path, tree_path[: -Page.steplen], *former_parent_paths}
    if Site.objects.filter(root_page__path__in=candidates).exists():
        purge.stale_keys.add(dependencies.CHANNELS_MENU)


def _on_published(sender, instance, **kwargs):
    purge = Purge(reason=f"page {instance.pk} published")
    ancestors = _ancestors(instance)
    _removed(purge, instance)
    _placed(purge, instance, ancestors)
    _menu(purge, instance.path)
    _schedule(purge)


def _on_unpublished(sender, instance, **kwargs):
    purge = Purge(reason=f"page {instance.pk} unpublished")
    _removed(purge, instance)
    _menu(purge, instance.path)
    _schedule(purge)


def _on_moved(sender, instance, url_path_before, parent_page_before, **kwargs):
    if not instance.live:
        return
    purge = Purge(reason=f"page {instance.pk} moved")
    _removed(purge, instance, url_path_before)
    _placed(purge, instance, _ancestors(instance))
    _menu(purge, instance.path, parent_page_before.path)
    _schedule(purge)


def _on_page_deleted(sender, instance, **kwargs):
    if not instance.live:
        return
    # Its ancestors may be gone already (a channel deleted with its articles): nothing here
    # reads them.
    purge = Purge(reason=f"page {instance.pk} deleted")
    _removed(purge, instance)
    _menu(purge, instance.path)
    _schedule(purge)


def _on_restriction_change(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None:
        return
    purge = Purge(reason=f"view restriction of page {page.pk} changed")
    for below in Page.objects.live().descendant_of(page, inclusive=True).specific(defer=True).iterator():
        _removed(purge, below)
    purge.stale_keys.update(list_key(ancestor.pk) for ancestor in _ancestors(page))
    _menu(purge, page.path)
    _schedule(purge)


def _on_image_change(sender, instance, **kwargs):
    page_type = ContentType.objects.get_for_model(Page)
    everywhere = {ContentType.objects.get_for_model(model).pk for model in _everywhere_models}
    page_ids = []
    for base_type, object_id in ReferenceIndex.get_references_to(instance).values_list("base_content_type_id", "object_id"):
        if base_type in everywhere:
            _schedule(Purge(reason=f"image {instance.pk} shown on every page changed", everything=True))
            return
        if base_type == page_type.pk:
            page_ids.append(int(object_id))
    live = Page.objects.live().filter(pk__in=page_ids).values_list("pk", flat=True)
    keys = {page_key(pk) for pk in live}
    if keys:
        _schedule(Purge(reason=f"image {instance.pk} changed", stale_keys=keys))


def _on_everywhere_change(sender, instance, **kwargs):
    _schedule(Purge(reason=f"{sender.__name__} {instance.pk} changed", everything=True))


def connect() -> None:
    page_published.connect(_on_published, dispatch_uid="pagecache-published")
    page_unpublished.connect(_on_unpublished, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(_on_moved, dispatch_uid="pagecache-moved")
    # Per model, as Wagtail's own handlers connect: a receiver for every sender would stop
    # Django's fast delete (one DELETE, no rows loaded) for every model of the project. The
    # page types only: deleting one also deletes (and signals) its Page row.
    for model in get_page_models():
        if model is Page:
            continue
        post_delete.connect(_on_page_deleted, sender=model, dispatch_uid=f"pagecache-deleted-{model._meta.label}")
    for signal in (post_save, post_delete):
        signal.connect(_on_restriction_change, sender=PageViewRestriction, dispatch_uid=f"pagecache-restriction-{signal is post_save}")
    # Before deleting: Wagtail's own post_delete handler removes the references to the image.
    for signal in (post_save, pre_delete):
        signal.connect(_on_image_change, sender=get_image_model(), dispatch_uid=f"pagecache-image-{signal is post_save}")
    register_everywhere_model(Site)
