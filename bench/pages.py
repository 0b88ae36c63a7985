#!/usr/bin/env python3
"""Page render speed: `dangjian serve --workers 2` on a demo database, measured with wrk.

    .venv/bin/python bench/pages.py                  # 48 and 1000 articles, 10 s per URL
    .venv/bin/python bench/pages.py --articles 48 --seconds 5

For each archive size it loads the demo into a fresh data directory (SQLite, the embedded
default; set DATABASE_URL/REDIS_URL to measure PostgreSQL + Redis), starts the server,
and prints requests/s and latency percentiles for the home, a channel and an article
page with the full-page cache off: this measures Django + Wagtail rendering,
whose cost should not grow with the archive. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from common import demo_site, shell, wrk


def measure(articles: int, seconds: int, connections: int) -> list[tuple[str, dict[str, float]]]:
    # The full-page cache is measured in bench/read_path.py; here every request renders.
    with demo_site(articles, DANGJIAN_PAGE_CACHE="0") as (base, env, _server, _data):
        article_id = shell(
            "from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().listing()[3].pk)", env
        ).split()[-1]
        results = []
        for name, path in [("home", "/"), ("channel", "/jcdj/"), ("article", f"/a/{article_id}/")]:
            wrk(base + path, 2, connections)  # warm up both workers
            results.append((name, wrk(base + path, seconds, connections)))
        return results


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
