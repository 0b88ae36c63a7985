#!/usr/bin/env python3
"""The read path, in one run on this machine, for one article page:

  (a) nginx serving a saved copy of the article's cached HTML as a static file
  (b) the production stack: nginx in front of `dangjian serve` (config from `dangjian nginx_config`)
  (c) `dangjian serve` alone (the fast path answers cached pages)
  (d) `dangjian serve` with the page cache disabled (every request renders)

and prints req/s, p50/p99 and the ratio to (a); then the time from publishing an edit to
seeing it through nginx, and the memory (RSS) of the web worker processes after the run.

    .venv/bin/python bench/read_path.py [--seconds 10] [--connections 32]

Needs wrk and nginx (apt-get install wrk nginx). Run as root or as a user nginx can use.
Set DATABASE_URL/REDIS_URL to measure on PostgreSQL + Redis.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import demo_site, free_port, shell, wait_for, wrk


def nginx_start(conf: str, workdir: Path) -> subprocess.Popen:
    path = workdir / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen(["nginx", "-c", str(path), "-g", "daemon off;"])
    return process


def static_nginx_conf(root: Path, port: int, workdir: Path) -> str:
    return f"""
worker_processes auto; pid {workdir}/static.pid; error_log {workdir}/static-error.log; user root;
events {{ worker_connections 4096; }}
http {{ include /etc/nginx/mime.types; access_log off; sendfile on; keepalive_requests 10000;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
"""


def worker_rss_mb(server: subprocess.Popen) -> float:
    """Largest resident size among the granian processes under `dangjian serve`."""
    out = subprocess.run(["ps", "-o", "pid=,rss=,args=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    granian = [line.split()[0] for line in out.splitlines() if "granian" in line]
    pids = list(granian)
    for pid in granian:  # granian's own worker processes
        child = subprocess.run(["ps", "-o", "pid=", "--ppid", pid], capture_output=True, text=True).stdout.split()
        pids += child
    rss = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) / 1024)
    return max(rss) if rss else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--articles", type=int, default=48)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: apt-get install {tool}")
    workdir = Path(tempfile.mkdtemp(prefix="dangjian-readpath-"))
    rows = {}
    with demo_site(args.articles) as (base, env, server, data_dir):
        article_id = shell("from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().listing()[3].pk)", env).split()[-1]
        path = f"/a/{article_id}/"
        html = urllib.request.urlopen(base + path).read()  # renders and stores it
        (workdir / "static").mkdir()
        (workdir / "static" / "article.html").write_bytes(html)
        print(f"-- article {path}: {len(html)} bytes", flush=True)

        static_port, web_port = free_port(), free_port()
        static = nginx_start(static_nginx_conf(workdir / "static", static_port, workdir), workdir)
        conf = subprocess.run(
            [sys.executable, "-m", "dangjian", "nginx_config", "--full", "--listen", f"127.0.0.1:{web_port}",
             "--upstream", base.removeprefix("http://"), "--prefix", str(workdir), "--user", "root"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout
        (workdir / "site").mkdir()
        site = nginx_start(conf, workdir / "site")
        try:
            wait_for(f"http://127.0.0.1:{static_port}/article.html")
            wait_for(f"http://localhost:{web_port}/healthz")
            cases = [
                ("a", "nginx, static file", f"http://127.0.0.1:{static_port}/article.html"),
                ("b", "nginx -> dangjian serve", f"http://localhost:{web_port}{path}"),
                ("c", "dangjian serve alone", base + path),
            ]
            for key, name, url in cases:
                urllib.request.urlopen(url).read()
                wrk(url, 2, args.connections)
                rows[key] = (name, wrk(url, args.seconds, args.connections))
            rss = worker_rss_mb(server)

            # Publish an edit, then poll through nginx until it shows.
            shell(f"from dangjian.portal.models import ArticlePage; p = ArticlePage.objects.get(pk={article_id}); "
                  "p.title = p.title + '（已更新）'; p.save_revision().publish()", env)
            started = time.monotonic()
            while "（已更新）" not in urllib.request.urlopen(f"http://localhost:{web_port}{path}").read().decode():
                time.sleep(0.01)
                if time.monotonic() - started > 10:
                    break
            visible = time.monotonic() - started
        finally:
            for process in (static, site):
                process.terminate()
                process.wait()

    with demo_site(args.articles, DANGJIAN_PAGE_CACHE="0") as (base, env, _server, _data):
        article_id = shell("from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().listing()[3].pk)", env).split()[-1]
        url = f"{base}/a/{article_id}/"
        wrk(url, 2, args.connections)
        rows["d"] = ("dangjian serve, cache off", wrk(url, args.seconds, args.connections))
    shutil.rmtree(workdir, ignore_errors=True)

    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"\n{database}; wrk -t2 -c{args.connections} -d{args.seconds}s on the same {os.cpu_count()}-core machine; serve --workers 2")
    print(f"{'':3}{'case':<28}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'x (a)':>8}")
    for key in "abcd":
        name, r = rows[key]
        print(f"({key}) {name:<28}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rps'] / rows['a'][1]['rps']:>8.2f}")
    print(f"publish -> visible through nginx: {visible * 1000:.0f} ms")
    print(f"largest web worker RSS after the run: {rss:.0f} MB")


if __name__ == "__main__":
    main()
