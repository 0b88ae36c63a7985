"""Operations on view counts: flushing the buffer, hot lists, compaction."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.models import Page

from dangjian.core.dependencies import hot_key
from dangjian.core.invalidation import purge_pages

from . import selectors
from .buffer import Increments, get_buffer
from .models import FlushBatch, HotListEntry, HourlyViews

logger = logging.getLogger(__name__)

_UPSERTS = {
    "total": "INSERT INTO pageviews_viewtotal (page_id, views) VALUES (%s, %s) "
    "ON CONFLICT (page_id) DO UPDATE SET views = pageviews_viewtotal.views + excluded.views",
    "hourly": "INSERT INTO pageviews_hourlyviews (page_id, hour, views) VALUES (%s, %s, %s) "
    "ON CONFLICT (page_id, hour) DO UPDATE SET views = pageviews_hourlyviews.views + excluded.views",
    "daily": "INSERT INTO pageviews_dailyviews (page_id, day, views) VALUES (%s, %s, %s) "
    "ON CONFLICT (page_id, day) DO UPDATE SET views = pageviews_dailyviews.views + excluded.views",
}


def views_apply(*, batch_id: str, increments: Increments) -> bool:
    """Add a batch of views to the stored counts, once: False if `batch_id` was applied before.
    Views of articles deleted meanwhile are dropped."""
    with transaction.atomic():
        page_ids = {page_id for page_id, _hour in increments}
        existing = set(Page.objects.filter(pk__in=page_ids).values_list("pk", flat=True))
        increments = {key: n for key, n in increments.items() if key[0] in existing}
        try:
            with transaction.atomic():
                FlushBatch.objects.create(batch_id=batch_id, views=sum(increments.values()))
        except IntegrityError:
            return False
        totals: dict[int, int] = {}
        days: dict[tuple[int, dt.date], int] = {}
        beijing = timezone.get_current_timezone()
        for (page_id, hour), n in increments.items():
            totals[page_id] = totals.get(page_id, 0) + n
            day = dt.datetime.fromtimestamp(hour * 3600, beijing).date()
            days[(page_id, day)] = days.get((page_id, day), 0) + n
        ops = connection.ops
        with connection.cursor() as cursor:
            # Sorted, so two flushes running at once lock rows in the same order (PostgreSQL).
            cursor.executemany(_UPSERTS["total"], sorted(totals.items()))
            cursor.executemany(
                _UPSERTS["hourly"],
                [(page_id, ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(hour * 3600, dt.UTC)), n)
                 for (page_id, hour), n in sorted(increments.items())],
            )
            cursor.executemany(
                _UPSERTS["daily"], [(page_id, ops.adapt_datefield_value(day), n) for (page_id, day), n in sorted(days.items())]
            )
    return True


def pageviews_flush() -> int:
    """Move one batch of buffered views into the stored counts (see the buffer package for why this
    is exact under crashes); the number of views in the batch, 0 when nothing was pending."""
    buffer = get_buffer()
    batch = buffer.take()
    buffer.forget_expired(now=time.time())
    if batch is None:
        return 0
    batch_id, increments = batch
    applied = views_apply(batch_id=batch_id, increments=increments)
    buffer.done(batch_id)
    views = sum(increments.values())
    logger.info("flushed %d views (batch %s%s)", views, batch_id, "" if applied else ", applied before")
    return views


def hot_lists_refresh(*, now: dt.datetime | None = None) -> int:
    """Recompute every hot list; rewrite the scopes whose lists changed and purge the cached
    pages whose lists changed order or members. Returns the number of such scopes."""
    now = now or timezone.now()
    scopes = list(selectors.hot_list_scopes().only("pk", "path", "depth"))
    ranked = {window: selectors.rankings(scopes=scopes, window=window, now=now) for window in HotListEntry.Window.values}
    before: dict[int, set] = {}
    for scope_id, window, position, article_id, views in HotListEntry.objects.values_list(
            "scope_id", "window", "position", "article_id", "views"):
        before.setdefault(scope_id, set()).add((window, position, article_id, views))
    rewritten, changed = [], []
    for scope in scopes:
        after = {(window, position, article_id, views) for window in ranked
                 for position, (article_id, views) in enumerate(ranked[window][scope.pk], 1)}
        old = before.get(scope.pk, set())
        if after != old:
            rewritten.append((scope, after))
        if {row[:3] for row in after} != {row[:3] for row in old}:
            changed.append(hot_key(scope.pk))
    if rewritten:
        with transaction.atomic():
            HotListEntry.objects.filter(scope_id__in=[scope.pk for scope, _after in rewritten]).delete()
            HotListEntry.objects.bulk_create([
                HotListEntry(scope=scope, window=window, position=position, article_id=article_id, views=views)
                for scope, after in rewritten for window, position, article_id, views in after
            ], batch_size=500)
    if changed:
        purge_pages(reason="hot lists changed", keys=changed)
    return len(changed)


def hot_list_article_remove(*, scope: Page, article_id: int) -> None:
    """Take an article off `scope`'s hot lists now (a recommendation withdrawn), rather than
    at the next refresh; the lists close up."""
    with transaction.atomic():
        entries = HotListEntry.objects.filter(scope=scope)
        if not entries.filter(article_id=article_id).exists():
            return
        entries.filter(article_id=article_id).delete()
        for window in HotListEntry.Window.values:
            for position, entry in enumerate(entries.filter(window=window).order_by("position"), 1):
                if entry.position != position:
                    entry.position = position
                    entry.save(update_fields=["position"])
    purge_pages(reason=f"article {article_id} off the hot lists of {scope.pk}", keys=[hot_key(scope.pk)])


def hot_lists_article_drop(*, article_id: int) -> None:
    """Take an article that left the site (unpublished, taken down) off every hot list now:
    the lists are rows written at each refresh, and would link to it until the next one."""
    scopes = Page.objects.filter(pk__in=HotListEntry.objects.filter(article_id=article_id).values("scope_id"))
    for scope in scopes:
        hot_list_article_remove(scope=scope, article_id=article_id)


def hourly_views_compact(*, now: dt.datetime | None = None) -> int:
    """Delete hourly buckets older than the longest hot-list window. Their views stay in
    DailyViews and ViewTotal, which the flush wrote alongside."""
    now = now or timezone.now()
    cutoff = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=max(selectors.HOURLY_WINDOWS.values()))
    deleted, _ = HourlyViews.objects.filter(hour__lt=cutoff).delete()
    return deleted
