"""Periodic complaint jobs; registered with the scheduler in apps.py."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def anonymize_old_complaints() -> int:
    return services.complaints_anonymize_expired()
