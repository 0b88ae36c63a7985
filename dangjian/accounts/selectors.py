"""Reading accounts: what views show about a person and their pending code request."""

from __future__ import annotations

from django.core.cache import cache

from .models import LoginRecord


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
