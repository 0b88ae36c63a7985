"""WeChat's JS-SDK share card (optional: DANGJIAN_WECHAT_APP_ID and _APP_SECRET). The page
asks /share/wechat/ for a signature of its URL; the signature needs a jsapi_ticket, which
needs an access token: both are fetched here, server-side, and kept in the shared cache
until shortly before they expire, so that every worker and host uses one ticket (WeChat
allows few fetches a day)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import secrets
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
TICKET_KEY = "sharing:wechat:ticket"
LOCK_KEY = "sharing:wechat:ticket-lock"
EARLY = 300  # seconds before WeChat's expiry that a ticket is replaced
LOCK_SECONDS = 15  # a Redis lock's expiry, should its holder die
WAIT_SECONDS = 10.0


class WeChatError(Exception):
    pass


def configured() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def signature(*, jsapi_ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature: sha1 of the four fields sorted by name, unescaped."""
    fields = {"jsapi_ticket": jsapi_ticket, "noncestr": noncestr, "timestamp": str(timestamp), "url": url}
    return hashlib.sha1("&".join(f"{name}={fields[name]}" for name in sorted(fields)).encode()).hexdigest()


def _get(path: str, **query: str) -> dict:
    url = f"{settings.WECHAT_API_URL.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a configured https URL)
            answer = json.loads(response.read())
    except (OSError, ValueError) as error:
        raise WeChatError(f"{path}: {error}") from None
    if answer.get("errcode"):
        raise WeChatError(f"{path}: {answer.get('errcode')} {answer.get('errmsg', '')}")
    return answer


def _fetch() -> tuple[str, int]:
    token = _get("/cgi-bin/token", grant_type="client_credential", appid=settings.WECHAT_APP_ID, secret=settings.WECHAT_APP_SECRET)
    ticket = _get("/cgi-bin/ticket/getticket", access_token=token["access_token"], type="jsapi")
    return ticket["ticket"], int(ticket.get("expires_in", 7200))


@contextmanager
def _one_fetcher():
    """Held by one process at a time: with Redis, across every host (a Redis lock); with
    the embedded file cache, whose add() is not atomic, across the host's processes and
    threads (flock on a file beside the cache)."""
    if hasattr(cache, "lock"):  # django-redis
        lock = cache.lock(LOCK_KEY, timeout=LOCK_SECONDS, blocking_timeout=WAIT_SECONDS)
        if not lock.acquire():
            raise WeChatError("timed out waiting for another process to fetch the ticket")
        try:
            yield
        finally:
            lock.release()
        return
    with open(Path(settings.DATA_DIR) / "wechat-ticket.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # the holder is one HTTP fetch away from done
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def jsapi_ticket() -> str:
    """The current ticket: from the cache, else fetched by one process while the others
    wait for it."""
    ticket = cache.get(TICKET_KEY)
    if ticket:
        return ticket
    with _one_fetcher():
        ticket = cache.get(TICKET_KEY)  # fetched while this one waited
        if not ticket:
            ticket, expires_in = _fetch()
            cache.set(TICKET_KEY, ticket, max(60, expires_in - EARLY))
    return ticket


@dataclass(frozen=True)
class ShareConfig:
    app_id: str
    timestamp: int
    nonce: str
    signature: str


def share_config(url: str, *, now: float | None = None) -> ShareConfig:
    nonce, timestamp = secrets.token_urlsafe(12), int(now if now is not None else time.time())
    return ShareConfig(app_id=settings.WECHAT_APP_ID, timestamp=timestamp, nonce=nonce,
                       signature=signature(jsapi_ticket=jsapi_ticket(), noncestr=nonce, timestamp=timestamp, url=url))
