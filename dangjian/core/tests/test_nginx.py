"""The production read path for real: nginx in front of `dangjian serve`, using the config
`dangjian nginx_config` prints. Skipped without nginx unless DANGJIAN_REQUIRE_NGINX=1 (CI)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest

from dangjian.core.tests.documents import documents_make
from dangjian.testing.nginx import SELF_SIGNED, nginx_for_site, nginx_required
from dangjian.testing.processes import (
    clean_env,
    dangjian_shell,
    demo_load,
    fetch,
    free_port,
    stop_group,
)


@contextmanager
def nginx_in_front(tmp_path, *, tls: bool = False, **extra_env: str):
    """nginx (config from `dangjian nginx_config`) in front of `dangjian serve` on a demo site;
    yields (base URL, env). With `tls`, nginx answers https with a self-signed certificate."""
    nginx_required()
    app_port, web_port = free_port(), free_port()
    scheme = "https" if tls else "http"
    env = clean_env(tmp_path / "data", DANGJIAN_BASE_URL=f"{scheme}://localhost:{web_port}",
                    DANGJIAN_CLIENT_IP_HEADER="X-Real-IP", DANGJIAN_VIEWS_RATE_LIMIT="3", **extra_env)
    demo_load("--articles", "3", "--cities", "0", env=env)
    # Its own process group: granian's workers go with it, whatever state it is in.
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(app_port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    options = []
    if tls:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
            check=True, capture_output=True,
        )
        options = ["--certificate", str(tmp_path / "cert.pem"), "--certificate-key", str(tmp_path / "key.pem")]
    try:
        with nginx_for_site(env, app_port, tmp_path, *options, web_port=web_port) as base:
            yield base, env
    finally:
        stop_group(server)


@pytest.fixture
def nginx_site(tmp_path):
    with nginx_in_front(tmp_path) as site:
        yield site




class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.HTTPSHandler(context=SELF_SIGNED), NoRedirect())


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def test_pages_static_and_publish_through_nginx(nginx_site):
    base, env = nginx_site
    status, headers, html = get(base + "/")
    assert status == 200 and headers.get("x-page-cache") == "MISS"
    status, headers, again = get(base + "/")
    assert headers.get("x-page-cache") == "HIT-nginx" and again == html
    assert headers["content-type"] == "text/html; charset=utf-8"
    strict = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'self'"
    assert all(part in headers["content-security-policy"] for part in strict.split("; ")), headers

    css = re.search(r'href="(/static/portal/css/site\.[0-9a-f]+\.css)"', html).group(1)
    status, headers, _ = get(base + css)
    assert status == 200 and "immutable" in headers["cache-control"]
    request = urllib.request.Request(base + css, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"

    article = re.search(r'class="title" href="(/a/\d+/)"', html).group(1)
    get(base + article)
    assert get(base + article)[1].get("x-page-cache") == "HIT-nginx"
    assert get(base + "/feed/")[1]["content-type"].startswith("application/rss+xml")

    page_id = article.strip("/").split("/")[1]
    dangjian_shell(
        "from dangjian.portal.models import ArticlePage;"
        f"p = ArticlePage.objects.get(pk={page_id}); p.title = '刚刚改过的标题'; p.save_revision().publish()",
        env=env,
    )
    published = time.monotonic()
    while "刚刚改过的标题" not in get(base + article)[2]:
        assert time.monotonic() - published < 1.0, "the edit is not visible within 1 second"
        time.sleep(0.05)
    # The home page shows it too: served stale once, then refreshed by one render.
    while "刚刚改过的标题" not in get(base + "/")[2]:
        assert time.monotonic() - published < 5.0, "the home page was not refreshed"
        time.sleep(0.05)


def test_sessions_and_query_strings_bypass_nginx_cache(nginx_site):
    base, _env = nginx_site
    get(base + "/")
    assert get(base + "/")[1].get("x-page-cache") == "HIT-nginx"
    request = urllib.request.Request(base + "/", headers={"Cookie": "sessionid=abc"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get("X-Page-Cache") is None
    assert get(base + "/jcdj/?page=1")[1].get("x-page-cache") is None
    assert get(base + "/?from=singlemessage&isappinstalled=0")[1].get("x-page-cache") == "HIT-nginx"
    assert fetch(base + "/no-such-page/")[0] == 404


def test_view_beacons_pass_nginx_and_a_forged_address_does_not_escape_the_rate_limit(nginx_site):
    base, env = nginx_site
    article_id = dangjian_shell("from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().first().pk)", env=env).split()[-1]
    statuses = []
    for n in range(5):
        request = urllib.request.Request(f"{base}/pv/{article_id}", method="POST", headers={
            "User-Agent": f"Mozilla/5.0 (Linux; Android 13; phone {n}) Mobile Safari/537.36",  # five readers
            "X-Real-IP": f"10.9.9.{n}",  # nginx replaces this header
        })
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
                assert response.headers.get("X-Page-Cache") is None and json.loads(response.read())["counted"] is True
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200, 200, 200, 429, 429]


ARTICLE = "from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().listing()[{n}].pk)"


def test_stale_pages_and_removed_articles_through_nginx(nginx_site):
    base, env = nginx_site
    first = dangjian_shell(ARTICLE.format(n=0), env=env).split()[-1]
    second = dangjian_shell(ARTICLE.format(n=1), env=env).split()[-1]
    for path in ("/", f"/a/{first}/", f"/a/{second}/"):
        get(base + path)
        assert get(base + path)[1].get("x-page-cache") == "HIT-nginx", path
    dangjian_shell(
        "from dangjian.portal.models import ArticlePage\n"
        f"p = ArticlePage.objects.get(pk={second}); p.title = '刚改过的第二篇'; p.save_revision().publish()",
        env=env,
    )
    # Its own URL is rendered anew at once; the home page showing it is served stale, then fresh.
    status, headers, body = get(f"{base}/a/{second}/")
    assert "刚改过的第二篇" in body and headers.get("x-page-cache") == "MISS"
    status, headers, body = get(base + "/")
    assert headers.get("x-page-cache") in ("STALE", "MISS")
    deadline = time.monotonic() + 5
    while "刚改过的第二篇" not in get(base + "/")[2]:
        assert time.monotonic() < deadline, "the home page was not refreshed"
        time.sleep(0.05)
    assert get(base + "/")[1].get("x-page-cache") == "HIT-nginx"
    # Unpublished: never served again, by nginx or the app.
    dangjian_shell(f"from dangjian.portal.models import ArticlePage; ArticlePage.objects.get(pk={first}).unpublish()", env=env)
    assert get(f"{base}/a/{first}/")[0] == 404


def test_documents_leave_only_through_the_checks_and_nginx_sends_them(nginx_site):
    base, env = nginx_site
    made = documents_make(env)
    (public_url, public_name), (private_url, private_name) = made["public"], made["private"]
    for name in (public_name, private_name):
        assert get(f"{base}/media/{urllib.parse.quote(name)}")[0] == 404
        assert get(f"{base}/_private/{urllib.parse.quote(name)}")[0] == 404  # nginx's internal location
    status, headers, body = get(base + public_url)
    # The internal location's header: nginx sent the file, not the app.
    assert (status, body, headers.get("cache-control")) == (200, "公开的通知。", "private, no-store")
    status, headers, _body = get(base + private_url)
    assert status == 302 and "/login/" in headers["location"]
    request = urllib.request.Request(base + private_url, headers={"Cookie": made["cookie"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read().decode() == "内部的材料。"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Content-Disposition"].startswith("attachment")



def test_https_hits_carry_hsts_and_plain_http_is_redirected(tmp_path):
    with nginx_in_front(tmp_path / "tls", tls=True, DANGJIAN_PROXY_SSL_HEADER="X-Forwarded-Proto") as (base, _env):
        miss = get(base + "/")[1]
        status, hit, _body = get(base + "/")
        assert hit.get("x-page-cache") == "HIT-nginx"
        names = ("strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy",
                 "cross-origin-opener-policy")
        assert {n: hit.get(n) for n in names} == {n: miss.get(n) for n in names}
        assert hit["strict-transport-security"].startswith("max-age=31536000")
    with nginx_in_front(tmp_path / "plain", DANGJIAN_SSL_REDIRECT="1", DANGJIAN_PROXY_SSL_HEADER="X-Forwarded-Proto") as (base, _env):
        for _ in range(2):
            status, headers, _body = get(base + "/")
            assert status == 301 and headers["location"].startswith("https://")
