"""The production read path for real: nginx in front of `dangjian serve`, using the config
`dangjian nginx_config` prints. Skipped without nginx unless DANGJIAN_REQUIRE_NGINX=1 (CI)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from dangjian.testing.processes import (
    clean_env,
    dangjian,
    dangjian_shell,
    fetch,
    free_port,
)


@pytest.fixture
def nginx_site(tmp_path):
    if shutil.which("nginx") is None:
        if os.environ.get("DANGJIAN_REQUIRE_NGINX") == "1":
            pytest.fail("nginx not installed (apt-get install nginx)")
        pytest.skip("nginx not installed")
    app_port, web_port = free_port(), free_port()
    env = clean_env(tmp_path / "data", DANGJIAN_BASE_URL=f"http://localhost:{web_port}",
                    DANGJIAN_CLIENT_IP_HEADER="X-Real-IP", DANGJIAN_VIEWS_RATE_LIMIT="3")
    assert dangjian("demo", "--articles", "4", env=env).returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(app_port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    result = subprocess.run(
        [sys.executable, "-m", "dangjian", "nginx_config", "--full", "--listen", f"127.0.0.1:{web_port}",
         "--upstream", f"127.0.0.1:{app_port}", "--prefix", str(tmp_path), "--user", "root"],
        env=env, capture_output=True, text=True, check=True,
    )
    (tmp_path / "nginx.conf").write_text(result.stdout)
    nginx = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"])
    base = f"http://localhost:{web_port}"
    try:
        for _ in range(150):
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield base, env
    finally:
        for process in (nginx, server):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()


def test_pages_static_and_publish_through_nginx(nginx_site):
    base, env = nginx_site
    status, headers, html = get(base + "/")
    assert status == 200 and headers.get("x-page-cache") == "MISS"
    status, headers, again = get(base + "/")
    assert headers.get("x-page-cache") == "HIT-nginx" and again == html
    assert headers["content-type"] == "text/html; charset=utf-8"

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
    assert "刚刚改过的标题" in get(base + "/")[2]


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
            "User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36",
            "Cookie": f"dj_vid={n:032x}", "X-Real-IP": f"10.9.9.{n}",  # nginx replaces this header
        })
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
                assert response.headers.get("X-Page-Cache") is None and json.loads(response.read())["counted"] is True
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200, 200, 200, 429, 429]
