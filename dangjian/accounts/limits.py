"""Counters that limit how often something may happen (SMS sends, wrong codes, password
failures), shared by every worker process and atomic: in the database in the embedded
default, in Redis in production.

A `Limit` is "at most `limit` events per `window` seconds for `key`" with fixed windows
(the window number is part of the counter's key). `consume(limits)` counts one event
against several limits at once, all or nothing: when any of them is full, nothing is
counted and the answer says which limit refused and how many seconds until its window
ends. That is what makes "1,000 send requests in a minute → exactly one SMS" hold.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection, transaction

BEIJING = 8 * 3600  # windows of a day start at midnight Beijing time, not UTC


@dataclass(frozen=True)
class Limit:
    name: str  # what it limits, for messages and logs: "phone-minute", "ip-day", …
    key: str  # whose events: a phone number, a hashed IP, a session key
    limit: int
    window: int  # seconds

    def counter_key(self, now: float) -> str:
        digest = hashlib.blake2b(self.key.encode(), digest_size=12).hexdigest()  # no phone or IP in keys
        return f"{self.name}:{digest}:{int((now + BEIJING) // self.window)}"

    def seconds_left(self, now: float) -> int:
        return max(1, int(self.window - (now + BEIJING) % self.window))


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int


class DatabaseCounters:
    def consume(self, limits: list[Limit], *, now: float | None = None) -> Refusal | None:
        now = time.time() if now is None else now
        with transaction.atomic(), connection.cursor() as cursor:
            # IMMEDIATE on SQLite / row locks on PostgreSQL: concurrent consumers queue here.
            counts = []
            for item in limits:
                cursor.execute(
                    "INSERT INTO accounts_ratecounter (key, expires, hits) VALUES (%s, %s, 1) "
                    "ON CONFLICT (key) DO UPDATE SET hits = accounts_ratecounter.hits + 1 RETURNING hits",
                    [item.counter_key(now), int(now) + item.seconds_left(now)],
                )
                counts.append(cursor.fetchone()[0])
            refused = next((item for item, count in zip(limits, counts, strict=True) if count > item.limit), None)
            if refused is not None:
                transaction.set_rollback(True)  # all or nothing
                return Refusal(refused, refused.seconds_left(now))
        return None

    def count(self, item: Limit, *, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with connection.cursor() as cursor:
            cursor.execute("SELECT hits FROM accounts_ratecounter WHERE key = %s", [item.counter_key(now)])
            row = cursor.fetchone()
        return row[0] if row else 0

    def release(self, limits: list[Limit], *, now: float | None = None) -> None:
        """Give back one event (a send the provider refused must not use up the quota)."""
        now = time.time() if now is None else now
        with transaction.atomic(), connection.cursor() as cursor:
            for item in limits:
                cursor.execute(
                    "UPDATE accounts_ratecounter SET hits = hits - 1 WHERE key = %s AND hits > 0", [item.counter_key(now)]
                )

    def purge(self, *, now: float | None = None) -> int:
        now = time.time() if now is None else now
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_ratecounter WHERE expires < %s", [int(now)])
            return cursor.rowcount

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_ratecounter")


# KEYS: counters. ARGV: now, then limit and ttl per key. Refuses (returns the index of the
# first full counter, 1-based) or counts all; 0 = counted.
_CONSUME = """
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[2 * i]) then return i end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i + 1]) end
end
return 0
"""


class RedisCounters:
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:limit:"
        self._consume = self.client.register_script(_CONSUME)

    def consume(self, limits: list[Limit], *, now: float | None = None) -> Refusal | None:
        now = time.time() if now is None else now
        args = [int(now)]
        for item in limits:
            args += [item.limit, item.seconds_left(now) + 1]
        refused = self._consume(keys=[self.prefix + item.counter_key(now) for item in limits], args=args)
        if refused:
            item = limits[refused - 1]
            return Refusal(item, item.seconds_left(now))
        return None

    def count(self, item: Limit, *, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return int(self.client.get(self.prefix + item.counter_key(now)) or 0)

    def release(self, limits: list[Limit], *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        pipe = self.client.pipeline()
        for item in limits:
            pipe.decr(self.prefix + item.counter_key(now))
        pipe.execute()

    def purge(self, *, now: float | None = None) -> int:
        return 0  # keys expire by themselves

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)


@cache
def counters() -> DatabaseCounters | RedisCounters:
    if settings.REDIS_URL:
        return RedisCounters(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))
    return DatabaseCounters()
