"""View-count fixtures: a clean buffer per test and a beacon through the real WSGI stack."""

from __future__ import annotations

import itertools
import json
from http.cookies import SimpleCookie

import pytest

from dangjian.pageviews import beacon as beacon_module
from dangjian.pageviews.buffer import get_buffer
from dangjian.testing.wsgi import wsgi_request

PHONE_UA = "Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
_visitors = itertools.count(1)


@pytest.fixture(autouse=True)
def _clean_view_buffer():
    # The buffer lives outside the test database (a file of its own, or Redis): a test's
    # rollback does not reach it.
    get_buffer().clear()
    beacon_module.articles.memo.clear()
    yield
    get_buffer().clear()


def new_visitor() -> str:
    """A visitor cookie as the site issues it (signed)."""
    return beacon_module.signed_visitor(f"{next(_visitors):032x}")


def send_beacon(page_id: int, *, visitor: str | None = None, user_agent: str = PHONE_UA, ip: str = "10.1.2.3",
                method: str = "POST", **headers: str) -> tuple[int, dict | None, str | None]:
    """(status, JSON answer, visitor cookie the answer sets) for one beacon."""
    if visitor is not None:
        headers["cookie"] = f"{beacon_module.VISITOR_COOKIE}={visitor}"
    status, response_headers, body = wsgi_request(f"/pv/{page_id}", method=method, remote_addr=ip, user_agent=user_agent, **headers)
    cookie = None
    if "Set-Cookie" in response_headers:
        cookie = SimpleCookie(response_headers["Set-Cookie"])[beacon_module.VISITOR_COOKIE].value
    answer = json.loads(body) if body else None
    return int(status.split()[0]), answer, cookie
