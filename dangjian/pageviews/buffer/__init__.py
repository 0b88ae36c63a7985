"""The write-behind buffer between the beacon and the stored counts.

A beacon (beacon.py) asks the buffer to *record* a view: in one atomic step the buffer
checks the client's rate, checks whether this visitor was already counted for this article
in the dedup window and whether the client's address has reached its views of this article
in the last hour, and if neither adds one to the article's pending views for the current
hour. The beacon answers 2xx only after that step has returned. The flusher
(services.pageviews_flush, run by the scheduler every few seconds) moves pending views into
ViewTotal, HourlyViews and DailyViews in batches. The count a beacon answers is the stored
total (memoized per process until the next flush) plus what is pending or in flight.

Both buffers flush the same way, in three steps: *take* (atomically turn everything
pending into the in-flight batch, under a new batch id; or, if a batch is already in
flight, return that one), *apply* (services.views_apply: add the batch to the stored
counts in one database transaction that also inserts a FlushBatch row with the batch id,
unique, so a batch offered twice is applied once), *done* (atomically drop the batch, only
if its id still matches). A flusher killed between any two steps leaves the batch in
flight, and the next flush finishes it exactly once.

**SqliteBuffer** (embedded default, no Redis): a SQLite file of its own next to the
database (WAL, synchronous=NORMAL), so beacon transactions never queue behind the site's
other writes. Record is one BEGIN IMMEDIATE transaction.
- Durable when: the record transaction has committed, before the beacon answers. A
  committed transaction is in the WAL file: killing any process loses nothing (only a power
  cut could drop the last commits under synchronous=NORMAL).
- A web worker killed mid-record: its transaction never committed and it never answered
  2xx, so nothing was accepted. Killed after the commit: the view is in the file.
- It is one machine's file: without Redis, run one host (or share nothing but the DB).

**RedisBuffer** (production): pending views are one Redis hash; one Lua script does
rate, dedup and increment atomically; take and done are Lua scripts too.
- Durable when: the script has run, before the beacon answers; from then on the view is in
  Redis, which must keep its data across restarts (`appendonly yes`: see README).
- A web worker killed at any point: the script runs entirely or not at all in Redis.

What a crash of each process costs: nothing that was answered 2xx.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection

# page_id, hour (hours since the epoch, UTC) -> views
Increments = dict[tuple[int, int], int]


class RateLimited(Exception):
    pass


@dataclass(frozen=True)
class Recorded:
    counted: bool
    views: int | None  # views counted since creation incl. this one, when the buffer knows it


def current_hour(now: float) -> int:
    return int(now // 3600)


CAP_WINDOW = 3600  # PAGEVIEWS_ADDRESS_HOURLY counts views in the last hour, sliding


def previous_minute_weight(now: float) -> float:
    """The rate limit's sliding window: this minute's beacons plus the previous minute's,
    weighted by how much of that minute the last 60 s still cover. A fixed clock minute
    would let a burst across a minute boundary through twice."""
    return 1 - (now % 60) / 60


class Buffer(ABC):
    """What a buffer provides (the module docstring says how both keep views exactly once).
    `now` is seconds since the epoch, given by the caller."""

    @abstractmethod
    def record(self, *, page_id: int, visitor_keys: list[str], rate_key: str, cap_key: str, now: float) -> Recorded:
        """In one atomic step: refuse over the client's rate (RateLimited); count the view
        unless the first visitor key was seen in the dedup window or the address reached its
        hourly views of the article (cap_key); mark every visitor key seen."""

    @abstractmethod
    def peek(self, *, page_id: int) -> int:
        """The article's views (stored plus buffered) without counting one."""

    @abstractmethod
    def take(self) -> tuple[str, Increments] | None:
        """The batch in flight, or everything pending made the new batch: (batch id,
        increments); None when there is nothing to flush."""

    @abstractmethod
    def done(self, batch_id: str) -> None:
        """Drop the batch in flight if it is still `batch_id` (it has been applied)."""

    @abstractmethod
    def forget_expired(self, *, now: float) -> None:
        """Delete what has expired by `now` (seen visitors, rate windows), where the store
        does not expire it itself."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Nothing is stored: no pending views, no visitor or rate state. A refused or
        malformed beacon must leave the buffer so (tests check it)."""

    @abstractmethod
    def clear(self) -> None:
        """Drop everything buffered (tests and `demo --reset` only)."""


class _StoredViews:
    """Per-process memo of the flushed totals (ViewTotal), valid until the next flush: the
    buffer counts its flushes, and a new count empties the memo."""

    def __init__(self):
        self._stored: dict[int, int] = {}
        self._as_of = None

    def __call__(self, page_id: int, flushes) -> int:
        if flushes != self._as_of:
            self._stored, self._as_of = {}, flushes
        stored = self._stored.get(page_id)
        if stored is None:
            from ..models import ViewTotal

            try:
                stored = ViewTotal.objects.filter(page_id=page_id).values_list("views", flat=True).first() or 0
            except DatabaseError:
                connection.close()  # outside Django's request cycle nothing else would
                raise
            if len(self._stored) > 100_000:
                self._stored.clear()
            self._stored[page_id] = stored
        return stored




@cache
def get_buffer() -> Buffer:
    from .redis import RedisBuffer
    from .sqlite import SqliteBuffer

    if settings.REDIS_URL:
        return RedisBuffer(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))
    return SqliteBuffer(settings.PAGEVIEWS_BUFFER_PATH)
