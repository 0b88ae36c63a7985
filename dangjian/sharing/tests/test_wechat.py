"""WeChat's JS-SDK share card: the signature against WeChat's documented example, and one
ticket for many requests, against a local stand-in for WeChat's two endpoints."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from dangjian.portal.tests.fixtures import make_article
from dangjian.sharing import wechat


def test_the_signature_of_wechats_documented_example():
    assert wechat.signature(
        jsapi_ticket="sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        noncestr="Wm3WZYTPz0wzccnW", timestamp=1414587457, url="http://mp.weixin.qq.com?params=value",
    ) == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


@contextmanager
def fake_wechat():
    """WeChat's /cgi-bin/token and /cgi-bin/ticket/getticket; yields (base URL, calls)."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            calls.append(parts.path)
            if parts.path == "/cgi-bin/token" and query.get("secret") == ["app-secret"]:
                body = {"access_token": "TOKEN-1", "expires_in": 7200}
            elif parts.path == "/cgi-bin/ticket/getticket" and query.get("access_token") == ["TOKEN-1"]:
                body = {"errcode": 0, "errmsg": "ok", "ticket": "TICKET-1", "expires_in": 7200}
            else:
                body = {"errcode": 40001, "errmsg": "invalid credential"}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", calls
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def wechat_settings(settings):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx-app", "app-secret"
    cache.delete(wechat.TICKET_KEY)
    yield settings
    cache.delete(wechat.TICKET_KEY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_requests_share_one_ticket_fetched_once(wechat_settings, portal_site, live_server):
    import requests

    article = make_article(portal_site.channels[0])
    page_url = f"http://localhost/a/{article.pk}/"
    with fake_wechat() as (base, calls):
        wechat_settings.WECHAT_API_URL = base
        answers = []

        def ask():
            answers.append(requests.get(f"{live_server.url}/share/wechat/", params={"url": page_url + "#top"}, timeout=10))

        threads = [threading.Thread(target=ask) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert calls == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]
    for answer in answers:
        assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("max-age=0")
        config = answer.json()
        assert config["appId"] == "wx-app" and config["signature"] == wechat.signature(
            jsapi_ticket="TICKET-1", noncestr=config["nonceStr"], timestamp=config["timestamp"], url=page_url)


@pytest.mark.django_db
def test_only_this_sites_pages_are_signed_and_nothing_without_an_app(client, wechat_settings, portal_site):
    for url in ("https://evil.example/a/1/", "javascript:alert(1)", "", "http://[::1"):
        assert client.get("/share/wechat/", {"url": url}).status_code == 400, url
    article = make_article(portal_site.channels[0])
    page = client.get(f"/a/{article.pk}/").content.decode()
    assert "sharing/js/wechat.js" in page and 'data-config-url="/share/wechat/"' in page
    wechat_settings.WECHAT_APP_ID = ""
    assert client.get("/share/wechat/", {"url": "http://localhost/"}).status_code == 404
    from dangjian.core.middleware import page_cache

    page_cache().remove_all()
    assert "sharing/js/wechat.js" not in client.get(f"/a/{article.pk}/").content.decode()


@pytest.mark.django_db
def test_a_wechat_error_is_an_answer_not_a_crash(client, wechat_settings, portal_site):
    wechat_settings.WECHAT_APP_SECRET = "wrong"
    with fake_wechat() as (base, calls):
        wechat_settings.WECHAT_API_URL = base
        assert client.get("/share/wechat/", {"url": "http://localhost/"}).status_code == 503
    assert cache.get(wechat.TICKET_KEY) is None
