"""Periodic banner jobs; registered with the scheduler in apps.py."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def purge_banner_windows() -> int:
    return services.banner_windows_purge()
