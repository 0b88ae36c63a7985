"""The view beacon: `POST /pv/<article id>` counts a view and answers the current count.

Article pages come from the page cache, so they cannot count; their script posts here
after the page is shown. Most beacons are answered by `BeaconApp` in the WSGI layer,
before Django's middleware (a beacon costs one buffer call; Django's request cycle alone
would cap the rate near 8,000/s on two cores). Beacons that carry a session cookie go to
Django (views.beacon), which knows whether the reader is staff; both call `answer`.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import time
from http.cookies import SimpleCookie

from crawleruseragents import is_crawler
from django.conf import settings

from dangjian.core.clientip import client_ip, client_network
from dangjian.core.pagecache import PageCache
from dangjian.portal.models import MAX_PAGE_ID

from .buffer import RateLimited, get_buffer
from .visitors import digest as _digest
from .visitors import signed_visitor

logger = logging.getLogger(__name__)

VISITOR_COOKIE = "dj_vid"
PATH = re.compile(r"^/pv/([1-9][0-9]{0,11})$")
_COOKIE = re.compile(r"(?:^|;)\s*" + VISITOR_COOKIE + r"=([0-9a-f]{32})\.([0-9a-f]{32})(?:;|\s|$)")
_JSON = ("Content-Type", "application/json")
_NO_STORE = ("Cache-Control", "no-store")
MEMO_LIMIT = 100_000


class _Articles:
    """Which ids are published articles, with their starting counts, memoized per process.
    Publishing, unpublishing, moving and deleting all purge the page cache, which writes a
    new generation file: the memo is dropped whenever that file changes."""

    def __init__(self):
        self.memo: dict[int, int | None] = {}
        self.version = None
        self.generation_file = None

    def initial_views(self, page_id: int) -> int | None:
        """The starting count of a published article; None if there is none with this id."""
        if self.generation_file is None:
            self.generation_file = str(PageCache(settings.PAGE_CACHE_DIR).generation_file)
        try:
            stat = os.stat(self.generation_file)
            version = (stat.st_ino, stat.st_mtime_ns)
        except OSError:
            version = None
        if version != self.version or len(self.memo) > MEMO_LIMIT:
            self.memo, self.version = {}, version
        if page_id not in self.memo:
            from .selectors import countable_initial_views

            self.memo[page_id] = countable_initial_views(page_id)
        return self.memo[page_id]


articles = _Articles()
_bots: dict[str, bool] = {}


def is_bot(user_agent: str) -> bool:
    """Crawlers, link-preview fetchers and monitors (the crawler-user-agents list), and
    clients that send no user agent at all."""
    user_agent = user_agent[:400]  # real ones are shorter; the memo must not grow with junk
    verdict = _bots.get(user_agent)
    if verdict is None:
        verdict = not user_agent.strip() or is_crawler(user_agent)
        if len(_bots) > 10_000:
            _bots.clear()
        _bots[user_agent] = verdict
    return verdict


def visitor_cookie_id(meta) -> str:
    """The visitor id of a well-formed, correctly signed cookie; empty otherwise."""
    found = _COOKIE.search(meta.get("HTTP_COOKIE", ""))
    if found is None or not hmac.compare_digest(found.group(2), _digest("cookie", found.group(1))):
        return ""
    return found.group(1)


def _cross_site(origin: str, host: str, fetch_site: str) -> bool:
    """Only the site's own pages may count: a page of another site (cross-site), of another
    subdomain (same-site) or of no origin at all (Origin: null, sandboxed frames and
    data: pages) gets 403."""
    if fetch_site in ("cross-site", "same-site") or origin == "null":
        return True
    if origin:
        return origin.split("://", 1)[-1] != host
    return False


def answer_request(page_id: int, meta, *, staff: bool = False) -> tuple[int, list[tuple[str, str]], bytes]:
    """`answer` for a request's WSGI environ (Django's request.META is one too)."""
    return answer(
        page_id=page_id, method=meta.get("REQUEST_METHOD", ""), cookie=visitor_cookie_id(meta),
        ip=client_ip(meta), user_agent=meta.get("HTTP_USER_AGENT", ""), host=meta.get("HTTP_HOST", ""),
        origin=meta.get("HTTP_ORIGIN", ""), fetch_site=meta.get("HTTP_SEC_FETCH_SITE", ""), staff=staff,
    )


def answer(*, page_id: int, method: str, cookie: str, ip: str, user_agent: str, host: str,
           origin: str = "", fetch_site: str = "", staff: bool = False, now: float | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """Count a view if it should count; (status, headers, body) for the beacon's answer.
    `cookie` is a visitor id whose signature was checked, or empty."""
    if method != "POST":
        return 405, [("Allow", "POST"), _JSON, _NO_STORE], b'{"error": "method"}'
    if _cross_site(origin, host, fetch_site):
        return 403, [_JSON, _NO_STORE], b'{"error": "cross-site"}'
    if not 0 < page_id <= MAX_PAGE_ID:
        return 404, [_JSON, _NO_STORE], b'{"error": "not found"}'
    try:
        initial = articles.initial_views(page_id)
        if initial is None:
            return 404, [_JSON, _NO_STORE], b'{"error": "not found"}'
        buffer = get_buffer()
        headers = [_JSON, _NO_STORE]
        if staff or is_bot(user_agent):
            counted, views = False, buffer.peek(page_id=page_id)
        else:
            now = time.time() if now is None else now
            keys = []
            if cookie:
                keys.append(_digest("v", str(page_id), cookie))
            else:
                # No cookie yet: count by IP + user agent (salted per day, so the hash links
                # nothing across days), and mark the new cookie as seen too, so this
                # visitor's next beacon (which carries it) is not a second view.
                day = time.strftime("%Y%m%d", time.gmtime(now + 8 * 3600))
                cookie = secrets.token_hex(16)
                keys += [_digest("a", day, str(page_id), ip, user_agent), _digest("v", str(page_id), cookie)]
                headers.append(("Set-Cookie", _visitor_cookie(signed_visitor(cookie))))
            # Whatever cookies and user agents it sends, one address (an IPv6 /64 as a
            # whole) adds at most PAGEVIEWS_ADDRESS_HOURLY views to one article an hour.
            network = client_network(ip)
            recorded = buffer.record(page_id=page_id, visitor_keys=keys, rate_key=_digest("r", network),
                                     cap_key=_digest("c", network, str(page_id)), now=now)
            counted, views = recorded.counted, recorded.views
    except RateLimited:
        return 429, [("Retry-After", "60"), _JSON, _NO_STORE], b'{"error": "rate"}'
    except Exception:  # database or Redis down, or a bug: the reader's page is unaffected
        logger.exception("view beacon could not record")
        return 503, [("Retry-After", "5"), _JSON, _NO_STORE], b'{"error": "unavailable"}'
    body = json.dumps({"views": initial + views, "counted": counted}).encode()
    return 200, headers, body


def _visitor_cookie(value: str) -> str:
    cookie = SimpleCookie()
    cookie[VISITOR_COOKIE] = value
    morsel = cookie[VISITOR_COOKIE]
    morsel["path"] = "/"
    morsel["max-age"] = 365 * 24 * 3600
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if settings.SESSION_COOKIE_SECURE:
        morsel["secure"] = True
    return morsel.OutputString()


_REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 503: "Service Unavailable"}


class BeaconApp:
    """WSGI layer: answers beacons without a session; everything else goes to `app`."""

    def __init__(self, app, *, session_cookie: str = "sessionid"):
        self.app = app
        self.session_marker = f"{session_cookie}="

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/pv/"):
            return self.app(environ, start_response)
        match = PATH.match(path)
        if match is None or self.session_marker in environ.get("HTTP_COOKIE", ""):
            return self.app(environ, start_response)
        status, headers, body = answer_request(int(match.group(1)), environ)
        start_response(f"{status} {_REASONS[status]}", [*headers, ("Content-Length", str(len(body)))])
        return [body]
