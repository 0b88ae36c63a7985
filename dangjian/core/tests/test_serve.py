"""`dangjian serve` runs the site, its static files and uploaded media with no other server."""

import gzip
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from dangjian.testing.processes import clean_env, dangjian, demo_load, fetch, free_port, wait_for_status


def test_serve_answers_pages_static_files_and_media(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}")
    demo_load("--articles", "3", "--cities", "0", env=env)
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                status, body, _type = fetch(base + "/")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        html = body.decode()
        assert "基层党建网" in html
        css = re.search(r'href="(/static/portal/css/site\.[0-9a-f]+\.css)"', html).group(1)
        status, body, content_type = fetch(base + css)
        assert status == 200 and content_type.startswith("text/css") and b"--red" in body
        image = re.search(r'src="(/media/images/[^"]+\.jpg)"', html).group(1)
        status, body, content_type = fetch(base + image)
        assert status == 200 and content_type == "image/jpeg" and body[:2] == b"\xff\xd8"
        assert fetch(base + "/static/no-such-file.css")[0] == 404
        # Files and their 404s say what they are and forbid guessing otherwise.
        for url, expected in ((css, 200), (image, 200), ("/static/no-such-file.css", 404), ("/media/images/no-such.jpg", 404)):
            try:
                with urllib.request.urlopen(base + url, timeout=10) as response:
                    status, headers = response.status, response.headers
            except urllib.error.HTTPError as error:
                status, headers = error.code, error.headers
            assert status == expected and headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"], url
        assert "immutable" in urllib.request.urlopen(base + css, timeout=10).headers["Cache-Control"]
        assert "您访问的页面不存在" in fetch(base + "/no-such-page/")[1].decode()
        # Compressed for clients that accept gzip: pages (rendered, then cached), CSS, the feed.
        # (This demo's sitemap is under a kilobyte, too small to gain from it.)
        for url in ("/", "/", css, "/feed/"):
            plain = urllib.request.urlopen(base + url, timeout=10)
            assert plain.headers["Content-Encoding"] is None
            packed = urllib.request.urlopen(urllib.request.Request(base + url, headers={"Accept-Encoding": "gzip, br"}), timeout=10)
            body = packed.read()
            assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"], url
            assert gzip.decompress(body) == plain.read() and len(body) < len(gzip.decompress(body)) / 2, url
        cached = urllib.request.urlopen(urllib.request.Request(base + "/", headers={"Accept-Encoding": "gzip"}), timeout=10)
        assert cached.headers["X-Page-Cache"] == "HIT" and cached.headers["ETag"].startswith("W/")
        try:  # the weak tag of the compressed page still answers 304
            urllib.request.urlopen(urllib.request.Request(
                base + "/", headers={"Accept-Encoding": "gzip", "If-None-Match": cached.headers["ETag"]}), timeout=10)
            raise AssertionError("no 304")
        except urllib.error.HTTPError as error:
            assert error.code == 304
        # The worker and the scheduler started by serve run: both heartbeats are fresh.
        deadline = time.monotonic() + 30
        while fetch(base + "/readyz?full=1")[0] != 200:
            assert time.monotonic() < deadline, fetch(base + "/readyz?full=1")
            time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "2 个工作进程" in output


def test_serve_brings_an_old_embedded_database_up_to_date(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}")
    assert dangjian("migrate", "-v0", env=env).returncode == 0
    # As if this installation predated the newest migration.
    assert dangjian("migrate", "portal", "0001", "-v0", env=env).returncode == 0
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_status(f"http://127.0.0.1:{port}/readyz", 200, timeout=40, process=server)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "数据库已更新" in output


def test_serve_refuses_a_postgresql_database_with_pending_migrations(tmp_path):
    import os

    import pytest

    from dangjian.testing.processes import scratch_database

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of .ci/run)")
    with scratch_database(os.environ["DATABASE_URL"]) as url:
        result = dangjian("serve", "--port", str(free_port()), env=clean_env(tmp_path, DATABASE_URL=url))
    assert result.returncode != 0 and "请先运行 `dangjian migrate`" in result.stderr


def test_production_logs_are_one_json_object_per_line(tmp_path):
    import json

    port = free_port()
    env = clean_env(tmp_path, DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}", DANGJIAN_LOG_FORMAT="json",
                    DANGJIAN_SERVE_WORKER="0")
    demo_load("--articles", "3", "--cities", "0", env=env)
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_status(f"http://127.0.0.1:{port}/no-such-page/", 404, timeout=30, process=server)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) >= 3, output
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert any("工作进程" in entry["message"] for entry in entries)
    assert any(entry["logger"].startswith("_granian") for entry in entries)


def test_in_json_mode_migrate_output_and_a_crash_at_start_are_json_lines_too(tmp_path):
    import json

    env = clean_env(tmp_path, DANGJIAN_LOG_FORMAT="json")
    migrated = dangjian("migrate", "--noinput", env=env)
    entries = [json.loads(line) for line in (migrated.stdout + migrated.stderr).splitlines()]  # each line is JSON
    assert migrated.returncode == 0 and any("Applying wagtailcore." in entry["message"] for entry in entries)
    crashed = dangjian("serve", env={**env, "DANGJIAN_WORKERS": "many"})
    entries = [json.loads(line) for line in (crashed.stdout + crashed.stderr).splitlines()]
    assert crashed.returncode != 0 and len(entries) == 1
    assert entries[0]["level"] == "CRITICAL" and "invalid literal for int()" in entries[0]["exception"]
    plain = dangjian("serve", env={**env, "DANGJIAN_WORKERS": "many", "DANGJIAN_LOG_FORMAT": "plain"})
    assert plain.stderr.startswith("Traceback")  # the control: without JSON mode, Python's own output


def test_the_access_log_has_a_json_line_per_request_with_the_resolved_client(tmp_path):
    import json

    from dangjian.testing.processes import clean_env, dangjian, served_site

    env = clean_env(tmp_path / "data", DANGJIAN_ACCESS_LOG="1", DANGJIAN_LOG_FORMAT="json", DANGJIAN_CLIENT_IP_HEADER="X-Real-IP")
    assert dangjian("migrate", "-v0", env=env).returncode == 0
    log = tmp_path / "serve.log"
    with served_site(env, workers=1, log=log) as (base, _server):
        request = urllib.request.Request(base + "/robots.txt?x=1", headers={"X-Real-IP": "203.0.113.9"})
        body = urllib.request.urlopen(request, timeout=10).read()
        try:
            urllib.request.urlopen(base + "/static/no-such-file.css", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        deadline = time.monotonic() + 10
        while True:
            lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
            access = [line for line in lines if line["logger"] == "dangjian.access"]
            if len([a for a in access if a["path"] != "/healthz"]) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    robots = next(a for a in access if a["path"] == "/robots.txt?x=1")
    assert robots | {"duration_ms": 0} == {**robots, "method": "GET", "status": 200, "bytes": len(body), "client": "203.0.113.9",
                                           "duration_ms": 0}
    assert any(a["path"] == "/static/no-such-file.css" and a["status"] == 404 for a in access)
    other = [line for line in log.read_text().splitlines() if line.strip() and not line.startswith("{")]
    assert other == []  # every line of the server's output is one JSON object


def test_serve_on_another_port_links_to_that_port_without_a_base_url(tmp_path):
    env = clean_env(tmp_path)
    assert "DANGJIAN_BASE_URL" not in env
    demo_load("--articles", "3", "--cities", "0", env=env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "dangjian", "serve", "--port", str(port), "--workers", "1"],
                              env={**env, "DANGJIAN_SERVE_WORKER": "0"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_status(base + "/healthz", 200, timeout=60, process=server)
        home = fetch(base + "/")[1].decode()
        article = re.search(r'href="(/a/\d+/)"', home).group(1)
        html = fetch(base + article)[1].decode()
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
        assert canonical.startswith(f"{base}/"), canonical
        assert ":8000" not in html
    finally:
        server.terminate()
        server.communicate(timeout=20)
