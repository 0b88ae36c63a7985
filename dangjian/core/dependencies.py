"""What each cached page was built from.

While Django renders a page that may be cached, the code that reads content says which
keys the page depends on (``depends_on``); the page-cache middleware stores those keys with
the page's URL, and invalidation.py turns a change into keys and the keys into URLs.

Keys:

| key              | recorded by a page that shows                              |
|------------------|------------------------------------------------------------|
| ``page:<id>``    | that page: its title, link, summary or cover (in any block) |
| ``list:<id>``    | the newest pages below page <id> (lists, feeds)             |
| ``hot:<id>``     | the hot lists of page <id>                                  |
| ``headlines:<id>`` | the headline articles below the home page <id>            |
| ``channels-menu``| the header's channel menu                                   |
| ``sitemap``      | every published page (sitemap.xml)                          |

Settings and Sites are not keys: every page shows them, so their changes purge everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar

from django.db import transaction

from .models import PageDependency

CHANNELS_MENU = "channels-menu"
SITEMAP = "sitemap"
URL_MAX_LENGTH = PageDependency._meta.get_field("url").max_length

_collected: ContextVar[set[str] | None] = ContextVar("page_dependencies", default=None)


def page_key(page_id: int) -> str:
    return f"page:{page_id}"


def list_key(page_id: int) -> str:
    return f"list:{page_id}"


def hot_key(page_id: int) -> str:
    return f"hot:{page_id}"


def headlines_key(page_id: int) -> str:
    return f"headlines:{page_id}"


def depends_on(*keys: str) -> None:
    """Note keys the page being rendered depends on; nothing outside a cacheable render."""
    collected = _collected.get()
    if collected is not None:
        collected.update(keys)


def depends_on_pages(pages: Iterable) -> None:
    depends_on(*(page_key(page.pk) for page in pages if page is not None))


def start_collecting():
    return _collected.set(set())


def stop_collecting(token) -> set[str]:
    keys = _collected.get() or set()
    _collected.reset(token)
    return keys


def dependencies_record(*, url: str, keys: set[str]) -> None:
    """Make `keys` the recorded dependencies of `url`; no write when they are unchanged
    (most renders after a purge record what the page's previous render did)."""
    existing = set(PageDependency.objects.filter(url=url).values_list("key", flat=True))
    if existing == keys:
        return
    with transaction.atomic():
        if existing - keys:
            PageDependency.objects.filter(url=url, key__in=existing - keys).delete()
        PageDependency.objects.bulk_create(
            [PageDependency(url=url, key=key) for key in sorted(keys - existing)], ignore_conflicts=True
        )


def urls_depending_on(keys: Iterable[str]) -> list[str]:
    keys = sorted(set(keys))
    if not keys:
        return []
    return list(PageDependency.objects.filter(key__in=keys).order_by().values_list("url", flat=True).distinct())


def urls_with_keys(keys: Iterable[str]) -> list[tuple[str, str]]:
    """(url, key) for every cached URL recorded with one of `keys`."""
    keys = sorted(set(keys))
    if not keys:
        return []
    return list(PageDependency.objects.filter(key__in=keys).values_list("url", "key"))
