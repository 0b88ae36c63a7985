"""Periodic view-count jobs; registered with the scheduler in apps.py."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def flush_views() -> int:
    return services.pageviews_flush()


@task()
def refresh_hot_lists() -> int:
    return services.hot_lists_refresh()


@task()
def compact_hourly_views() -> int:
    return services.hourly_views_compact()
