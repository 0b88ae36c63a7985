"""Periodic background tasks, enqueued by the scheduler (scheduler.py) and run by the worker."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.core.management import call_command
from django_tasks import task

HEARTBEAT_KEY = "dangjian:worker-heartbeat"
SCHEDULER_HEARTBEAT_KEY = "dangjian:scheduler-heartbeat"


@task()
def publish_scheduled_pages() -> None:
    """Publish revisions whose go-live time has come, unpublish expired pages (Wagtail's
    own command; publishing purges the page cache through the usual signals)."""
    call_command("publish_scheduled", verbosity=0)


@task()
def record_heartbeat() -> None:
    """Proof that a worker is taking tasks off the queue; /readyz reads it."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


@task()
def clear_expired_sessions() -> None:
    """Django's own cleanup: every visit to the login page starts a session (the per-browser
    SMS limit counts by it), and expired ones would otherwise stay in the table."""
    call_command("clearsessions", verbosity=0)
