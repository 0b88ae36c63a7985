"""The scheduler (core/scheduler.py): intervals, one leader among several hosts, takeover.
The coordination contract runs on the backend of this pass: by itself (SQLite pass) or on
Redis (PostgreSQL + Redis pass)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from dangjian.core.scheduler import Alone, RedisCoordination, Scheduler
from dangjian.testing.processes import backend_env, stop

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="several schedulers coordinate through Redis (the PostgreSQL + Redis run)"
)


class Recorder:
    def __init__(self, name):
        self.name, self.module_path, self.calls = name, f"tests.{name}", 0

    def enqueue(self):
        self.calls += 1


@pytest.fixture
def prefix():
    prefix = f"test-scheduler-{uuid.uuid4().hex[:8]}"
    yield prefix
    if REDIS_URL:
        import redis

        from dangjian.core.redis_keys import delete_prefix

        delete_prefix(redis.Redis.from_url(REDIS_URL), prefix + ":")


@pytest.fixture
def make(prefix):
    """New coordinations of one installation, on this pass's backend."""
    return (lambda **options: RedisCoordination(REDIS_URL, prefix, **options)) if REDIS_URL else Alone


def test_scheduler_enqueues_each_task_at_its_interval(make):
    fast, slow = Recorder("fast"), Recorder("slow")
    scheduler = Scheduler([(fast, 10), (slow, 60)], make())
    assert scheduler.tick(1000) == [fast, slow]
    assert scheduler.tick(1005) == []
    assert scheduler.tick(1010) == [fast]
    assert scheduler.tick(1061) == [fast, slow]
    assert (fast.calls, slow.calls) == (3, 2)


def test_due_times_are_kept_per_task(make):
    coordination = make()
    assert coordination.due(["a", "b"]) == {}
    coordination.set_due("a", 1234.5)
    assert coordination.due(["a", "b"]) == {"a": 1234.5}


@needs_redis
def test_one_scheduler_leads_and_another_takes_over_where_it_stopped(make):
    task = Recorder("task")
    first, second = Scheduler([(task, 60)], make()), Scheduler([(task, 60)], make())
    assert first.tick(1000) == [task]
    assert second.tick(1001) == []  # the first leads
    assert first.tick(1002) == []  # leads still, and the task is not due
    first.coordination.client.delete(first.coordination.lock_key)  # the leader died; its lock expired
    assert second.tick(1003) == []  # leads now, and goes on from the shared due time
    assert first.tick(1004) == []  # lost the lead
    assert second.tick(1060) == [task]
    assert task.calls == 2


def test_a_scheduler_made_in_one_thread_leads_in_another(make):
    # As `worker --with-scheduler` runs it: made in the main thread, ticking in its own.
    task = Recorder("task")
    scheduler = Scheduler([(task, 60)], make())
    results = []
    thread = threading.Thread(target=lambda: results.extend([scheduler.tick(1000), scheduler.tick(1001)]))
    thread.start()
    thread.join(10)
    assert results == [[task], []]


@needs_redis
def test_a_scheduler_that_stops_hands_the_lead_over_at_once(make):
    first, second = make(), make()
    assert first.lead() and not second.lead()
    first.resign()
    assert second.lead() and not first.lead()


def redis_db(url: str, db: int) -> str:
    """The same server, another database: the test's RQ jobs stay out of the run's queue."""
    return url.rsplit("/", 1)[0] + f"/{db}"


@needs_redis
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the PostgreSQL + Redis run")
def test_when_the_leading_scheduler_is_killed_another_takes_over_within_30_s_and_no_task_runs_twice(tmp_path):
    import redis

    url = redis_db(REDIS_URL, 12)
    with backend_env(tmp_path) as env:
        env["REDIS_URL"] = url
        assert subprocess.run([sys.executable, "-m", "dangjian", "migrate", "-v0"], env=env).returncode == 0
        client = redis.Redis.from_url(url)
        prefix = env["DANGJIAN_CACHE_PREFIX"]
        lock, due = f"{prefix}:scheduler:lead", f"{prefix}:scheduler:due"
        schedulers = [subprocess.Popen([sys.executable, "-m", "dangjian", "scheduler"], env=env) for _ in range(2)]
        # Every due time a scheduler set: each is one enqueue, at that time minus the interval.
        seen: dict[bytes, set[float]] = {}

        def watch(until: float) -> None:
            while time.monotonic() < until:
                for name, value in client.hgetall(due).items():
                    seen.setdefault(name, set()).add(float(value))
                time.sleep(0.1)

        try:
            watch(time.monotonic() + 11)  # long enough for every 10 s task to be enqueued twice
            holder = client.get(lock).decode()
            leader = next(p for p in schedulers if holder.split(":")[1] == str(p.pid))
            leader.kill()
            killed = time.monotonic()
            while (current := client.get(lock)) in (None, holder.encode()):
                assert time.monotonic() - killed < 30, "no scheduler took over within 30 s"
                watch(time.monotonic() + 0.1)
            assert current.split(b":")[1] == str(next(p for p in schedulers if p is not leader).pid).encode()
            watch(time.monotonic() + 11)
        finally:
            for process in schedulers:
                stop(process)
            client.flushdb()
    publish = sorted(seen[b"dangjian.core.tasks.publish_scheduled_pages"])
    assert len(publish) >= 3
    gaps = [later - earlier for earlier, later in zip(publish[:-1], publish[1:], strict=True)]
    assert min(gaps) >= 10, gaps  # never twice within its 10 s period, across the takeover
    sessions = seen[b"dangjian.core.tasks.clear_expired_sessions"]
    assert len(sessions) == 1  # hourly: the new leader did not enqueue it again
