"""Enqueue the periodic tasks at their intervals. The scheduler never runs a task itself, so
a slow task cannot delay the others; the worker runs them. Feature apps add their tasks with
register_periodic() from their AppConfig.ready()."""

from __future__ import annotations

import logging
import threading
import time

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


class Scheduler:
    def __init__(self, periodic=PERIODIC):
        self.periodic = periodic
        self.next_run = {task: 0.0 for task, _interval in periodic}
        self.next_beat = 0.0

    def tick(self, now: float) -> list:
        """Enqueue every task that is due at `now`; return them. Every HEARTBEAT_SECONDS the
        scheduler also records that it is alive (/readyz?full=1, the admin home)."""
        if now >= self.next_beat:
            try:
                cache.set(SCHEDULER_HEARTBEAT_KEY, time.time(), timeout=None)
                self.next_beat = now + HEARTBEAT_SECONDS
            except Exception:
                logger.exception("could not record the scheduler's heartbeat")
        due = []
        for task, interval in self.periodic:
            if now >= self.next_run[task]:
                try:
                    task.enqueue()
                except Exception:  # the queue is down: try again next tick, keep the others going
                    logger.exception("could not enqueue %s", task.name)
                    continue
                self.next_run[task] = now + interval
                due.append(task)
        return due

    def run(self, stop: threading.Event, resolution: float = 1.0) -> None:
        logger.info("scheduler started")
        while not stop.is_set():
            self.tick(time.monotonic())
            stop.wait(resolution)
