"""Periodic complaint jobs; registered with the scheduler in apps.py."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def anonymize_old_complaints() -> int:
    return services.complaints_anonymize_expired()


@task()
def send_mail_notice(*, to: str, subject: str, body: str) -> None:
    """A notice by e-mail; with no mail server configured the site's backend drops it."""
    from django.core.mail import send_mail

    send_mail(subject, body, None, [to])
