"""The client's IP address, for rate limits and visitor hashes."""

from __future__ import annotations

from django.conf import settings


def client_ip(meta) -> str:
    """REMOTE_ADDR, unless DANGJIAN_CLIENT_IP_HEADER names the header a trusted proxy in front
    sets (X-Real-IP from our nginx config). Any client can send such a header itself, so it
    is only read when the operator says a proxy replaces it. For X-Forwarded-For the last
    entry is taken: the one the trusted proxy appended."""
    if settings.CLIENT_IP_META_KEY:
        value = meta.get(settings.CLIENT_IP_META_KEY, "")
        if value:
            return value.rsplit(",", 1)[-1].strip()
    return meta.get("REMOTE_ADDR", "")
