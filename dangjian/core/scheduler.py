"""Enqueue the periodic tasks at their intervals. The scheduler never runs a task itself, so
a slow task cannot delay the others; the worker runs them. Feature apps add their tasks with
register_periodic() from their AppConfig.ready().

`dangjian scheduler` may run on every host: with Redis, one of them leads (a lock that
expires unless its holder renews it every tick) and the others wait to take over. The
times each task is next due live beside the lock, so a scheduler that takes over goes on
from where the dead one stopped instead of enqueuing everything again at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod

from django.core.cache import cache

from .tasks import SCHEDULER_HEARTBEAT_KEY, clear_expired_sessions, publish_scheduled_pages, record_heartbeat

logger = logging.getLogger(__name__)

# (task, seconds between runs)
PERIODIC = [
    (record_heartbeat, 15),
    (publish_scheduled_pages, 10),
    (clear_expired_sessions, 3600),
]


def register_periodic(task, seconds: float) -> None:
    """Have the scheduler enqueue `task` (a django-tasks task) every `seconds`."""
    if all(registered is not task for registered, _seconds in PERIODIC):
        PERIODIC.append((task, seconds))


HEARTBEAT_SECONDS = 15
# A dead leader's lock expires after this; the others try every tick, so one of them takes
# over within LEAD_SECONDS + one tick (the promise is 30 s).
LEAD_SECONDS = 20


class Coordination(ABC):
    """What a scheduler shares with the schedulers of the other hosts."""

    @abstractmethod
    def lead(self) -> bool:
        """Take the lead or keep it; whether this scheduler may enqueue now."""

    @abstractmethod
    def resign(self) -> None:
        """Give the lead up at once (a clean stop), so another takes over without waiting."""

    @abstractmethod
    def due(self, names: list[str]) -> dict[str, float]:
        """When each named task is next due (wall-clock seconds); missing names are due now."""

    @abstractmethod
    def set_due(self, name: str, when: float) -> None: ...


class Alone(Coordination):
    """One host, no Redis: this scheduler always leads and remembers for itself."""

    def __init__(self):
        self._due: dict[str, float] = {}

    def lead(self) -> bool:
        return True

    def resign(self) -> None:
        pass

    def due(self, names: list[str]) -> dict[str, float]:
        return {name: self._due[name] for name in names if name in self._due}

    def set_due(self, name: str, when: float) -> None:
        self._due[name] = when


class RedisCoordination(Coordination):
    def __init__(self, redis_url: str, prefix: str, *, lead_seconds: float = LEAD_SECONDS):
        import redis

        self.client = redis.Redis.from_url(redis_url, socket_timeout=5)
        self.lock_key, self.due_key = f"{prefix}:scheduler:lead", f"{prefix}:scheduler:due"
        # Not thread-local: `worker --with-scheduler` makes this object in its main thread and
        # ticks in another, where a thread-local token would not exist.
        self.lock = self.client.lock(self.lock_key, timeout=lead_seconds, thread_local=False)
        # The holder's name is the lock's value: operators (and tests) see who leads.
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def lead(self) -> bool:
        from redis.exceptions import LockError

        if self.lock.local.token is not None:
            try:
                self.lock.reacquire()
                return True
            except LockError:  # paused for longer than the lock lives: another leads now
                self.lock.local.token = None
                logger.warning("scheduler: lost the lead")
        if self.lock.acquire(blocking=False, token=self.token):
            logger.info("scheduler: leading (%s)", self.token)
            return True
        return False

    def resign(self) -> None:
        from redis.exceptions import LockError

        try:
            self.lock.release()
        except LockError:
            pass

    def due(self, names: list[str]) -> dict[str, float]:
        values = self.client.hmget(self.due_key, names) if names else []
        return {name: float(value) for name, value in zip(names, values, strict=True) if value is not None}

    def set_due(self, name: str, when: float) -> None:
        self.client.hset(self.due_key, name, when)


def coordination() -> Coordination:
    from django.conf import settings

    if not settings.REDIS_URL:
        return Alone()
    return RedisCoordination(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))


class Scheduler:
    def __init__(self, periodic=PERIODIC, coordination: Coordination | None = None):
        self.periodic = periodic
        self.coordination = coordination or Alone()
        self.next_beat = 0.0

    def tick(self, now: float) -> list:
        """Enqueue every task that is due at `now` (wall-clock seconds, shared by the hosts)
        if this scheduler leads; return them. Every HEARTBEAT_SECONDS the leader also records
        that it is alive (/readyz?full=1, the admin home)."""
        if not self.coordination.lead():
            return []
        if now >= self.next_beat:
            try:
                cache.set(SCHEDULER_HEARTBEAT_KEY, time.time(), timeout=None)
                self.next_beat = now + HEARTBEAT_SECONDS
            except Exception:
                logger.exception("could not record the scheduler's heartbeat")
        due_at = self.coordination.due([task.module_path for task, _interval in self.periodic])
        enqueued = []
        for task, interval in self.periodic:
            if now >= due_at.get(task.module_path, 0.0):
                try:
                    task.enqueue()
                except Exception:  # the queue is down: try again next tick, keep the others going
                    logger.exception("could not enqueue %s", task.name)
                    continue
                self.coordination.set_due(task.module_path, now + interval)
                enqueued.append(task)
        return enqueued

    def run(self, stop: threading.Event, resolution: float = 1.0) -> None:
        logger.info("scheduler started")
        try:
            while not stop.is_set():
                try:
                    self.tick(time.time())
                except Exception:  # Redis away: nobody leads meanwhile, the lock expires
                    logger.exception("scheduler: tick failed")
                stop.wait(resolution)
        finally:
            self.coordination.resign()
