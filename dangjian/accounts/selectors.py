"""Reading accounts: what views show about a person, their pending code request, and
whether the next attempt needs the captcha."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from dangjian.core.clientip import client_network

from .limits import counters, limits_from_spec
from .models import LoginRecord
from .throttling import CAPTCHA_AFTER_FAILURES, code_failure_limit, password_captcha_limit, surge_counters, surging


def code_request_status_key(request_id: str) -> str:
    return f"accounts:code-request:{request_id}"


def code_request_status(request_id: str) -> str:
    """"queued", "sent" or "failed" (the provider refused it); a request past its limits looks sent."""
    return cache.get(code_request_status_key(request_id), "sent")


def user_data_export(*, user) -> dict:
    """What the site keeps about a person (个人信息保护法: the right to a copy). Feature apps
    add theirs with a "dangjian_account_export" hook, fn(user) -> {section: data}."""
    from wagtail import hooks

    records = LoginRecord.objects.filter(user=user).order_by("-created_at")
    data = {
        "user_name": user.get_username(),
        "mobile_number": user.phone,
        "phone_verified": user.phone_verified,
        "display_name": user.display_name,
        "real_name": user.real_name,
        "organization": user.organization,
        "email": user.email,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "login_records": [
            {"time": r.created_at.isoformat(), "method": r.method, "result": r.result, "ip": r.ip, "browser": r.user_agent}
            for r in records
        ],
    }
    for export in hooks.get_hooks("dangjian_account_export"):
        data.update(export(user))
    return data


def sms_surge(*, now: float | None = None) -> bool:
    """True while sends run far above their usual rate (an attack spread over many
    addresses): then every send needs the captcha."""
    now = time.time() if now is None else now
    recent, usual = surge_counters(now)
    counts = counters().counts(recent + usual, now=now)
    return surging(counts[:len(recent)], counts[len(recent):])


def captcha_required(*, ip: str, session_key: str, now: float | None = None) -> bool:
    """A captcha from the second send of an address or a browser on, and for everyone
    while the surge detector is on. One read of the counters."""
    now = time.time() if now is None else now
    own = limits_from_spec(settings.SMS_LIMITS_IP, "sms-ip", client_network(ip))[:1] + \
        limits_from_spec(settings.SMS_LIMITS_SESSION, "sms-session", session_key)[:1]
    recent, usual = surge_counters(now)
    counts = counters().counts(own + recent + usual, now=now)
    if any(counts[:len(own)]):
        return True
    return surging(counts[len(own):len(own) + len(recent)], counts[len(own) + len(recent):])


def code_captcha_required(phone: str) -> bool:
    """Wrong codes entered for this number lately: the next entry needs the captcha."""
    return counters().count(code_failure_limit(phone)) >= CAPTCHA_AFTER_FAILURES


def password_captcha_required(username: str) -> bool:
    item = password_captcha_limit(username)
    return counters().count(item) >= item.limit
