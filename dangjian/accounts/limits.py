"""Counters that limit how often something may happen (SMS sends, wrong codes, password
failures), shared by every worker process and atomic: in the database in the embedded
default, in Redis in production.

A `Limit` is "at most `limit` events per `window` seconds for `key`"; a window starts at
the first event and lasts `window` seconds (so "1 per 60 s" means 60 s between sends, not
one per clock minute: two sends a second apart across a minute boundary are refused). `consume(limits)` counts one event
against several limits at once, all or nothing: when any of them is full, nothing is
counted and the answer says which limit refused and how many seconds until its window
ends. That is what makes "1,000 send requests in a minute → exactly one SMS" hold.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection, transaction

from dangjian.core.redis_keys import delete_prefix


@dataclass(frozen=True)
class Limit:
    name: str  # what it limits, for messages and logs: "phone-minute", "ip-day", …
    key: str  # whose events: a phone number, a hashed IP, a session key
    limit: int
    window: int  # seconds

    def counter_key(self) -> str:
        digest = hashlib.blake2b(self.key.encode(), digest_size=12).hexdigest()  # no phone or IP in keys
        return f"{self.name}:{digest}"


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int


class Counters(ABC):
    """What a counter backend provides. `now` (seconds since the epoch) defaults to the
    clock; tests pass it to cross windows without waiting."""

    @abstractmethod
    def consume(self, limits: list[Limit], *, now: float | None = None) -> Refusal | None:
        """Count one event against every limit, atomically and all or nothing: None when
        counted, else the first full limit and the seconds until its window ends."""

    @abstractmethod
    def counts(self, items: list[Limit], *, now: float | None = None) -> list[int]:
        """Events in the current window of each, without counting one."""

    def count(self, item: Limit, *, now: float | None = None) -> int:
        return self.counts([item], now=now)[0]

    @abstractmethod
    def release(self, limits: list[Limit], *, now: float | None = None) -> None:
        """Give back one event (a send the provider refused must not use up the quota)."""

    @abstractmethod
    def purge(self, *, now: float | None = None) -> int:
        """Delete expired counters; how many (0 where they expire by themselves)."""

    @abstractmethod
    def clear(self) -> None:
        """Forget every counter (tests and `demo --reset`)."""


class DatabaseCounters(Counters):
    def consume(self, limits: list[Limit], *, now: float | None = None) -> Refusal | None:
        now = int(time.time() if now is None else now)
        with transaction.atomic(), connection.cursor() as cursor:
            # IMMEDIATE on SQLite / row locks on PostgreSQL: concurrent consumers queue here.
            for item in limits:
                cursor.execute(
                    "INSERT INTO accounts_ratecounter (key, expires, hits) VALUES (%s, %s, 1) ON CONFLICT (key) DO UPDATE SET "
                    "hits = CASE WHEN accounts_ratecounter.expires <= %s THEN 1 ELSE accounts_ratecounter.hits + 1 END, "
                    "expires = CASE WHEN accounts_ratecounter.expires <= %s THEN excluded.expires ELSE accounts_ratecounter.expires END "
                    "RETURNING hits, expires",
                    [item.counter_key(), now + item.window, now, now],
                )
                hits, expires = cursor.fetchone()
                if hits > item.limit:
                    transaction.set_rollback(True)  # all or nothing
                    return Refusal(item, max(1, int(expires) - now))
        return None

    def counts(self, items: list[Limit], *, now: float | None = None) -> list[int]:
        # One query for all of them.
        now = int(time.time() if now is None else now)
        keys = [item.counter_key() for item in items]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key, hits FROM accounts_ratecounter WHERE key IN ({', '.join(['%s'] * len(keys))}) AND expires > %s",
                           [*keys, now])
            hits = dict(cursor.fetchall())
        return [hits.get(key, 0) for key in keys]

    def release(self, limits: list[Limit], *, now: float | None = None) -> None:
        now = int(time.time() if now is None else now)
        with transaction.atomic(), connection.cursor() as cursor:
            for item in limits:
                cursor.execute(
                    "UPDATE accounts_ratecounter SET hits = hits - 1 WHERE key = %s AND hits > 0 AND expires > %s",
                    [item.counter_key(), now],
                )

    def purge(self, *, now: float | None = None) -> int:
        now = int(time.time() if now is None else now)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_ratecounter WHERE expires < %s", [now])
            return cursor.rowcount

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_ratecounter")


# KEYS: counters (hashes: h = hits, e = window end). ARGV: now, then limit and window per
# key. Refuses ({index of the first full counter, seconds left}) or counts all ({0, 0}).
_CONSUME = """
local now = tonumber(ARGV[1])
local ends = {}
for i = 1, #KEYS do
  ends[i] = tonumber(redis.call('HGET', KEYS[i], 'e') or '0')
  if ends[i] > now and tonumber(redis.call('HGET', KEYS[i], 'h') or '0') >= tonumber(ARGV[2 * i]) then
    return {i, ends[i] - now}
  end
end
for i = 1, #KEYS do
  if ends[i] > now then
    redis.call('HINCRBY', KEYS[i], 'h', 1)
  else
    local stop = now + tonumber(ARGV[2 * i + 1])
    redis.call('HSET', KEYS[i], 'h', 1, 'e', stop)
    redis.call('EXPIREAT', KEYS[i], stop)
  end
end
return {0, 0}
"""
# KEYS: one counter. ARGV: now, delta. Hits in the current window after adding delta.
_ADD = """
if tonumber(redis.call('HGET', KEYS[1], 'e') or '0') <= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[2]) ~= 0 and tonumber(redis.call('HGET', KEYS[1], 'h') or '0') > 0 then
  return redis.call('HINCRBY', KEYS[1], 'h', ARGV[2])
end
return tonumber(redis.call('HGET', KEYS[1], 'h') or '0')
"""


class RedisCounters(Counters):
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:limit:"
        self._consume = self.client.register_script(_CONSUME)
        self._add = self.client.register_script(_ADD)

    def consume(self, limits: list[Limit], *, now: float | None = None) -> Refusal | None:
        args = [int(time.time() if now is None else now)]
        for item in limits:
            args += [item.limit, item.window]
        refused, seconds_left = self._consume(keys=[self.prefix + item.counter_key() for item in limits], args=args)
        if refused:
            return Refusal(limits[refused - 1], max(1, seconds_left))
        return None

    def counts(self, items: list[Limit], *, now: float | None = None) -> list[int]:
        now = int(time.time() if now is None else now)
        pipe = self.client.pipeline(transaction=False)
        for item in items:
            pipe.hmget(self.prefix + item.counter_key(), "h", "e")
        return [int(hits or 0) if int(ends or 0) > now else 0 for hits, ends in pipe.execute()]

    def release(self, limits: list[Limit], *, now: float | None = None) -> None:
        now = int(time.time() if now is None else now)
        for item in limits:
            self._add(keys=[self.prefix + item.counter_key()], args=[now, -1])

    def purge(self, *, now: float | None = None) -> int:
        return 0  # keys expire by themselves

    def clear(self) -> None:
        delete_prefix(self.client, self.prefix)


@cache
def counters() -> Counters:
    if settings.REDIS_URL:
        return RedisCounters(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))
    return DatabaseCounters()


def limits_from_spec(spec: str, name: str, key: str) -> list[Limit]:
    """The limits a setting such as "1/60,5/3600" (events/seconds, comma-separated) puts on
    `key`, each named after `name` and its window."""
    limits = []
    for part in spec.split(","):
        count, seconds = part.strip().split("/")
        limits.append(Limit(f"{name}-{seconds}", key, int(count), int(seconds)))
    return limits
