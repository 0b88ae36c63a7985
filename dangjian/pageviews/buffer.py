"""The write-behind buffer between the beacon and the stored counts.

A beacon (beacon.py) asks the buffer to *record* a view: in one atomic step the buffer
checks the client's rate, checks whether this visitor was already counted for this article
in the dedup window, and if not adds one to the article's pending views for the current
hour. The beacon answers 2xx only after that step has returned. The flusher
(services.pageviews_flush, run by the scheduler every few seconds) moves pending views into
ViewTotal, HourlyViews and DailyViews in batches.

Two implementations, one contract:

**DatabaseBuffer** (embedded default; also used with PostgreSQL when there is no Redis).
Pending views, seen visitors and rate windows are tables in the main database. Record is
one transaction (SQLite: BEGIN IMMEDIATE, WAL, synchronous=NORMAL). A flush is one
transaction that deletes the pending rows (DELETE … RETURNING), adds them to the stored
counts and records a FlushBatch row.
- Durable when: the record transaction has committed, before the beacon answers. In WAL
  mode a committed transaction is in the WAL file; killing any process loses nothing
  (only losing the machine's power could drop the last commits under synchronous=NORMAL).
- A web worker killed mid-record: its transaction never committed and it never answered
  2xx, so nothing was accepted. Killed after commit: the view is in the table.
- The flusher killed at any point: its transaction rolls back entirely; the pending rows
  are still there and the next flush moves them exactly once.

**RedisBuffer** (production). Pending views are one Redis hash; a Lua script does rate,
dedup and increment atomically. A flush renames the hash to an in-flight batch under a
batch id (atomic, in Lua), applies it to the database in one transaction together with a
FlushBatch row carrying that id (unique), then deletes the batch (Lua, only if the id
still matches).
- Durable when: the script has run, before the beacon answers; from then on the view is in
  Redis, which must keep its data across restarts (`appendonly yes`: see README).
- A web worker killed at any point: the script runs entirely or not at all in Redis.
- The flusher killed after taking the batch: the batch stays under its id; the next flush
  takes the same batch again (never a new one while one is in flight). Killed after the
  database commit but before deleting the batch: the next flush finds the batch id in
  FlushBatch, skips applying it and only deletes it. So every batch is applied once.

What a crash of each process costs: nothing that was answered 2xx.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection, transaction

# page_id, hour (hours since the epoch, UTC) -> views
Increments = dict[tuple[int, int], int]
ApplyBatch = Callable[[str, Increments], bool]


class RateLimited(Exception):
    pass


@dataclass(frozen=True)
class Recorded:
    counted: bool
    views: int | None  # views counted since creation incl. this one, when the buffer knows it


def current_hour(now: float) -> int:
    return int(now // 3600)


_VIEWS_SQL = (
    "SELECT COALESCE((SELECT views FROM pageviews_viewtotal WHERE page_id = %s), 0)"
    " + COALESCE((SELECT SUM(views) FROM pageviews_pendingviews WHERE page_id = %s), 0)"
)


class DatabaseBuffer:
    def record(self, *, page_id: int, visitor_keys: list[str], rate_key: str, now: float) -> Recorded:
        minute = int(now // 60)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO pageviews_ratewindow (key, minute, hits) VALUES (%s, %s, 1) "
                    "ON CONFLICT (key) DO UPDATE SET hits = CASE WHEN pageviews_ratewindow.minute = excluded.minute "
                    "THEN pageviews_ratewindow.hits + 1 ELSE 1 END, minute = excluded.minute RETURNING hits",
                    [rate_key, minute],
                )
                if cursor.fetchone()[0] > settings.PAGEVIEWS_RATE_LIMIT:
                    raise RateLimited
                until = int(now) + settings.PAGEVIEWS_DEDUP_SECONDS
                cursor.execute(
                    "INSERT INTO pageviews_seenvisitor (key, until) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE pageviews_seenvisitor.until <= %s",
                    [visitor_keys[0], until, int(now)],
                )
                counted = cursor.rowcount == 1
                for key in visitor_keys[1:]:
                    cursor.execute(
                        "INSERT INTO pageviews_seenvisitor (key, until) VALUES (%s, %s) "
                        "ON CONFLICT (key) DO UPDATE SET until = excluded.until",
                        [key, until],
                    )
                if counted:
                    cursor.execute(
                        "INSERT INTO pageviews_pendingviews (page_id, hour, views) VALUES (%s, %s, 1) "
                        "ON CONFLICT (page_id, hour) DO UPDATE SET views = pageviews_pendingviews.views + 1",
                        [page_id, current_hour(now)],
                    )
                cursor.execute(_VIEWS_SQL, [page_id, page_id])
                return Recorded(counted, int(cursor.fetchone()[0]))
        except RateLimited:
            raise
        except DatabaseError:
            # The beacon runs outside Django's request cycle, which would otherwise recycle
            # a broken connection: drop it so the next beacon reconnects.
            connection.close()
            raise

    def peek(self, *, page_id: int) -> int:
        try:
            with connection.cursor() as cursor:
                cursor.execute(_VIEWS_SQL, [page_id, page_id])
                return int(cursor.fetchone()[0])
        except DatabaseError:
            connection.close()
            raise

    def flush(self, apply: ApplyBatch) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM pageviews_pendingviews RETURNING page_id, hour, views")
            increments: Increments = {}
            for page_id, hour, views in cursor.fetchall():
                increments[(page_id, hour)] = increments.get((page_id, hour), 0) + views
            if not increments:
                return 0
            apply(f"db-{uuid.uuid4().hex}", increments)
            return sum(increments.values())

    def forget_expired(self, *, now: float) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM pageviews_seenvisitor WHERE until <= %s", [int(now)])
            cursor.execute("DELETE FROM pageviews_ratewindow WHERE minute < %s", [int(now // 60) - 1])


# KEYS: rate, pending, batch, flushes, seen keys…  ARGV: limit, dedup seconds, page field, hour field
_RECORD = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], 120) end
if hits > tonumber(ARGV[1]) then return {-1, 0, 0} end
local counted = 0
if redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[2]) then
  counted = 1
  redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
for i = 6, #KEYS do redis.call('SET', KEYS[i], '1', 'EX', ARGV[2]) end
local unflushed = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0') + tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
return {counted, unflushed, tonumber(redis.call('GET', KEYS[4]) or '0')}
"""
# KEYS: pending, batch, flushes  ARGV: page field
_PEEK = """
local unflushed = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
return {unflushed, tonumber(redis.call('GET', KEYS[3]) or '0')}
"""
# KEYS: pending, batch, batch id  ARGV: id for a new batch
_TAKE = """
local current = redis.call('GET', KEYS[3])
if current then return current end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
return ARGV[1]
"""
# KEYS: batch, batch id, flushes  ARGV: id
_DONE = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('INCR', KEYS[3])
end
"""


class RedisBuffer:
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:pv:"
        self.pending, self.batch, self.batch_id, self.flushes = (
            self.prefix + name for name in ("pending", "batch", "batch-id", "flushes")
        )
        self._record = self.client.register_script(_RECORD)
        self._peek = self.client.register_script(_PEEK)
        self._take = self.client.register_script(_TAKE)
        self._done = self.client.register_script(_DONE)
        # Per-process memo of stored totals, valid until the next flush (counted by `flushes`).
        self._stored: dict[int, int] = {}
        self._stored_as_of = -1

    def record(self, *, page_id: int, visitor_keys: list[str], rate_key: str, now: float) -> Recorded:
        keys = [self.prefix + "rate:" + rate_key, self.pending, self.batch, self.flushes]
        keys += [self.prefix + "seen:" + key for key in visitor_keys]
        counted, unflushed, flushes = self._record(
            keys=keys,
            args=[settings.PAGEVIEWS_RATE_LIMIT, settings.PAGEVIEWS_DEDUP_SECONDS, f"p:{page_id}", f"h:{page_id}:{current_hour(now)}"],
        )
        if counted < 0:
            raise RateLimited
        return Recorded(counted == 1, self._stored_views(page_id, flushes) + unflushed)

    def peek(self, *, page_id: int) -> int:
        unflushed, flushes = self._peek(keys=[self.pending, self.batch, self.flushes], args=[f"p:{page_id}"])
        return self._stored_views(page_id, flushes) + unflushed

    def _stored_views(self, page_id: int, flushes: int) -> int:
        if flushes != self._stored_as_of:
            self._stored, self._stored_as_of = {}, flushes
        stored = self._stored.get(page_id)
        if stored is None:
            from .models import ViewTotal

            try:
                stored = ViewTotal.objects.filter(page_id=page_id).values_list("views", flat=True).first() or 0
            except DatabaseError:
                connection.close()
                raise
            if len(self._stored) > 100_000:
                self._stored.clear()
            self._stored[page_id] = stored
        return stored

    def flush(self, apply: ApplyBatch) -> int:
        batch_id = self._take(keys=[self.pending, self.batch, self.batch_id], args=[f"redis-{uuid.uuid4().hex}"])
        if batch_id is None:
            return 0
        batch_id = batch_id.decode()
        increments: Increments = {}
        for field, value in self.client.hgetall(self.batch).items():
            kind, _, rest = field.decode().partition(":")
            if kind == "h":
                page_id, hour = rest.split(":")
                increments[(int(page_id), int(hour))] = int(value)
        applied = apply(batch_id, increments) if increments else False
        self._done(keys=[self.batch, self.batch_id, self.flushes], args=[batch_id])
        return sum(increments.values()) if applied else 0

    def forget_expired(self, *, now: float) -> None:
        """Redis expires seen visitors and rate windows itself."""

    def clear(self) -> None:
        """Drop everything buffered (tests and `demo --reset` only)."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)


@cache
def get_buffer() -> DatabaseBuffer | RedisBuffer:
    if settings.REDIS_URL:
        return RedisBuffer(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))
    return DatabaseBuffer()
