"""Background account jobs."""

from __future__ import annotations

from django_tasks import task

from . import services
from .limits import counters


@task()
def send_phone_code(*, phone: str, purpose: str, request_id: str, now: float | None = None) -> None:
    """Sending in the background keeps the request's timing the same for every number."""
    services.phone_code_send(phone=phone, purpose=purpose, request_id=request_id, now=now)


@task()
def send_sms_notice(*, phone: str, template_id: str, params: dict[str, str], text: str) -> bool:
    return services.sms_notice_send(phone=phone, template_id=template_id, params=params, text=text)


@task()
def purge_account_records() -> int:
    """Login records past their retention, and expired rate counters."""
    return services.login_records_purge() + counters().purge()
