#!/usr/bin/env python3
"""Page render speed: `dangjian serve --workers 2` on a demo database, measured with wrk.

    .venv/bin/python bench/pages.py                  # 48 and 1000 articles, 10 s per URL
    .venv/bin/python bench/pages.py --articles 48 --seconds 5

For each archive size it loads the demo into a fresh data directory (SQLite, the embedded
default; set DATABASE_URL/REDIS_URL to measure PostgreSQL + Redis), starts the server,
and prints requests/s and latency percentiles for the home, a channel and an article
page. The full-page cache is a separate issue: this measures Django + Wagtail rendering,
whose cost should not grow with the archive. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dangjian(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dangjian", *args], env=env, check=True, **kwargs)


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50%"), "p99": ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def measure(articles: int, seconds: int, connections: int) -> list[tuple[str, dict[str, float]]]:
    data_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-"))
    port = free_port()
    env = dict(os.environ, DANGJIAN_DATA_DIR=str(data_dir), DANGJIAN_LOG_LEVEL="WARNING",
               DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}")
    try:
        print(f"-- loading {articles} demo articles into {data_dir}", flush=True)
        dangjian("demo", "--articles", str(articles), env=env, stdout=subprocess.DEVNULL)
        article_id = subprocess.run(
            [sys.executable, "-m", "dangjian", "shell", "--no-imports", "-c",
             "from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().listing()[3].pk)"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        server = subprocess.Popen(
            [sys.executable, "-m", "dangjian", "serve", "--workers", "2", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            results = []
            for name, path in [("home", "/"), ("channel", "/jcdj/"), ("article", f"/a/{article_id}/")]:
                wrk(base + path, 2, connections)  # warm up both workers
                results.append((name, wrk(base + path, seconds, connections)))
            return results
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", default="48,1000", help="comma-separated archive sizes")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    rows = []
    for size in [int(n) for n in args.articles.split(",")]:
        rows += [(size, name, r) for name, r in measure(size, args.seconds, args.connections)]
    print(f"\n{database}, dangjian serve --workers 2, wrk -t2 -c{args.connections} -d{args.seconds}s, {os.cpu_count()} cores")
    print(f"{'articles':>8}  {'page':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for size, name, r in rows:
        print(f"{size:>8}  {name:<8} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7}")


if __name__ == "__main__":
    main()
