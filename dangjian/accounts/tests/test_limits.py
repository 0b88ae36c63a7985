"""The counter backends' contract (limits.Counters), the same tests on both: the database
(the embedded default) and Redis (production). Redis runs where REDIS_URL is set, or where
one answers on the default local port, so a developer's `dev.py test` exercises it too."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from dangjian.accounts.limits import DatabaseCounters, Limit, RedisCounters

# Not database 15: `dev.py test` runs the PostgreSQL + Redis pass beside this one on 15, and
# its cache.clear() between tests (FLUSHDB) would empty these counters mid-test.
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


def _redis_url() -> str | None:
    import redis

    url = os.environ.get("REDIS_URL") or LOCAL_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["database", "redis"])
def counters(request, db):
    if request.param == "database":
        yield DatabaseCounters()
        return
    url = _redis_url()
    if url is None:
        if os.environ.get("REDIS_URL"):
            pytest.fail(f"REDIS_URL={os.environ['REDIS_URL']} does not answer")
        pytest.skip("no Redis here")
    backend = RedisCounters(url, f"test-limits-{uuid.uuid4().hex}")
    yield backend
    backend.clear()


@pytest.fixture
def start() -> int:
    """Explicit times, near the clock: Redis expires a window's key by its own clock."""
    return int(time.time())


def test_an_event_counts_against_every_limit_or_none(counters, start):
    per_minute, per_day = Limit("minute", "k", 2, 60), Limit("day", "k", 3, 86400)
    assert counters.consume([per_minute, per_day], now=start) is None
    assert counters.consume([per_minute, per_day], now=start + 1) is None
    refusal = counters.consume([per_minute, per_day], now=start + 10)
    assert (refusal.limit, refusal.retry_after) == (per_minute, 50)
    assert counters.counts([per_minute, per_day], now=start + 10) == [2, 2]  # the refused event counted nowhere


def test_a_window_starts_at_its_first_event_and_ends_window_seconds_later(counters, start):
    limit = Limit("minute", "k", 1, 60)
    assert counters.consume([limit], now=start + 30) is None
    assert counters.consume([limit], now=start + 89).retry_after == 1
    assert counters.consume([limit], now=start + 90) is None
    assert counters.count(limit, now=start + 90) == 1


def test_release_gives_one_event_back_and_never_goes_below_zero(counters, start):
    limit = Limit("send", "k", 1, 60)
    assert counters.consume([limit], now=start) is None
    counters.release([limit], now=start + 1)
    counters.release([limit], now=start + 1)
    assert counters.count(limit, now=start + 1) == 0
    assert counters.consume([limit], now=start + 2) is None
    assert counters.consume([limit], now=start + 3) is not None


def test_keys_are_separate_and_clear_forgets_all(counters, start):
    first, second = Limit("send", "a", 1, 60), Limit("send", "b", 1, 60)
    assert counters.consume([first], now=start) is None
    assert counters.consume([second], now=start) is None
    counters.purge(now=start + 30)  # nothing has expired yet: nothing goes
    assert counters.counts([first, second], now=start + 30) == [1, 1]
    counters.clear()
    assert counters.counts([first, second], now=start + 1) == [0, 0]
