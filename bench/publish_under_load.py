#!/usr/bin/env python3
"""Reads while editors publish: `dangjian serve --workers 2` on a demo archive, wrk over the
home page, the channels and every article URL with Zipf-like popularity (newer articles
read more), while another process publishes.

    .venv/bin/python bench/publish_under_load.py [--articles 1000] [--seconds 20] [--intervals 5,1]

Runs, each `--seconds` long, on a warm page cache:
  none          no publishing
  every N s     one random article edited and republished every N seconds (each interval)
  settings      the site settings saved once, 2 s into the run (every page goes stale)

For each run it prints req/s, p50, p99, the ratio of req/s to the run without publishing,
and the pages rendered (counted from the server's "page cached" log lines) per publish;
for the settings run, the most renders of one URL (single flight keeps it at 1).

Needs wrk (apt-get install wrk). Set DATABASE_URL (an empty database) and REDIS_URL to
measure PostgreSQL + Redis.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

from common import demo_site, shell, wrk

PUBLISHER = r"""
import random, sys, time
from dangjian.portal.models import ArticlePage, PortalSettings
ids = list(ArticlePage.objects.live().values_list("pk", flat=True))
rng = random.Random(7)
print("ready", flush=True)
mode, interval, seconds = sys.stdin.readline().split()
interval, seconds = float(interval), float(seconds)
start = time.monotonic()
published = 0
if mode == "settings":
    time.sleep(2)
    settings = PortalSettings.objects.first()
    settings.description = settings.description + "。"
    settings.save()
    published = 1
else:
    while time.monotonic() - start < seconds:
        page = ArticlePage.objects.get(pk=rng.choice(ids))
        page.title = page.title.rstrip("·") + "·"
        page.save_revision().publish()
        published += 1
        time.sleep(max(0.0, start + published * interval - time.monotonic()))
print("published", published, flush=True)
"""


def lua_script(paths: list[str], directory: Path) -> str:
    """A wrk script that requests paths[k] with weight 1/(k+1): Zipf-like popularity."""
    cumulative, total = [], 0.0
    for rank in range(len(paths)):
        total += 1.0 / (rank + 1)
        cumulative.append(f"{total:.6f}")
    script = directory / "zipf.lua"
    script.write_text(
        "local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n"
        "local cum = {" + ",".join(cumulative) + "}\n"
        "local total = cum[#cum]\n"
        "setup = function(thread) thread:set('seed', math.random(1, 1000000)) end\n"
        "init = function(args) math.randomseed(seed or os.time()) end\n"
        "request = function()\n"
        "  local r = math.random() * total\n"
        "  local lo, hi = 1, #cum\n"
        "  while lo < hi do local mid = math.floor((lo + hi) / 2)\n"
        "    if cum[mid] < r then lo = mid + 1 else hi = mid end end\n"
        "  return wrk.format('GET', paths[lo])\n"
        "end\n"
    )
    return str(script)


def renders_text(log: Path, offset: int) -> str:
    if not log.exists():
        return ""
    with open(log, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def renders_since(log: Path, offset: int) -> list[str]:
    return re.findall(r"page cached: (\S+)", renders_text(log, offset))


def run(base: str, env: dict, script: str, log: Path, *, mode: str, interval: float, seconds: int, connections: int) -> dict:
    publisher = None
    if mode != "none":
        publisher = subprocess.Popen(
            [sys.executable, "-m", "dangjian", "shell", "--no-imports", "-c", PUBLISHER],
            env={**env, "DANGJIAN_LOG_LEVEL": "INFO"}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(log.with_suffix(".publisher"), "a"), text=True,  # noqa: SIM115 (closed with the process)
        )
        assert publisher.stdout.readline().strip() == "ready"
    offset = log.stat().st_size
    publisher_log = log.with_suffix(".publisher")
    publisher_offset = publisher_log.stat().st_size if publisher_log.exists() else 0
    result: dict = {}
    load = threading.Thread(target=lambda: result.update(wrk(base + "/", seconds, connections, script=script)))
    load.start()
    if publisher:
        publisher.stdin.write(f"{mode} {interval} {seconds - 1}\n")
        publisher.stdin.flush()
        result["published"] = int(publisher.stdout.readline().split()[-1])
        _pid, _status, usage = os.wait4(publisher.pid, 0)
        publisher.returncode = 0
        result["publisher_cpu"] = usage.ru_utime + usage.ru_stime
    load.join()
    rendered = renders_since(log, offset)
    result["renders"] = len(rendered)
    result["most_renders_of_one_url"] = max(collections.Counter(rendered).values(), default=0)
    purges = re.findall(r"page cache: (?:(\d+) removed, (\d+) stale|everything stale) in ([\d.]+) ms", renders_text(publisher_log, publisher_offset))
    result["purge_ms"] = statistics.median(float(ms) for *_counts, ms in purges) if purges else 0.0
    result["marked"] = statistics.median(int(stale or 0) for _removed, stale, _ms in purges) if purges else 0
    return result


def wait_for_background_tasks(env: dict) -> None:
    """The embedded worker first indexes the demo for search: measured alongside, that work
    made the first run the slowest. With Redis no worker runs here."""
    if os.environ.get("REDIS_URL"):
        return
    print("-- waiting for the background worker to finish the demo's tasks", flush=True)
    shell(
        "import time\n"
        "from django_tasks_db.models import DBTaskResult\n"
        "deadline = time.monotonic() + 900\n"
        "while DBTaskResult.objects.ready().exists() and time.monotonic() < deadline:\n"
        "    time.sleep(1)", env,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--intervals", default="5,1", help="seconds between publishes, comma-separated; empty for none")
    parser.add_argument("--no-settings", action="store_true", help="leave out the settings run")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dangjian-publish-"))
    log = workdir / "serve.log"
    with demo_site(args.articles, log=log) as (base, env, _server, _data):
        listing = shell(
            "from dangjian.portal.models import ArticlePage, ChannelPage\n"
            "print(' '.join(['/'] + [c.url for c in ChannelPage.objects.live().order_by('path')]"
            " + [a.url for a in ArticlePage.objects.live().listing()]))", env,
        )
        paths = listing.split()
        wait_for_background_tasks(env)
        print(f"-- {len(paths)} URLs; warming the page cache", flush=True)
        for path in paths:
            urllib.request.urlopen(base + path).read()
        script = lua_script(paths, workdir)
        wrk(base + "/", 10, args.connections, script=script)  # both workers read every page into their memo
        rows = [("none", run(base, env, script, log, mode="none", interval=0, seconds=args.seconds, connections=args.connections))]
        for interval in [float(i) for i in args.intervals.split(",") if i]:
            rows.append((f"every {interval:g} s", run(base, env, script, log, mode="publish", interval=interval,
                                                       seconds=args.seconds, connections=args.connections)))
        if not args.no_settings:
            rows.append(("settings", run(base, env, script, log, mode="settings", interval=0, seconds=args.seconds,
                                         connections=args.connections)))

    database = "PostgreSQL + Redis" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite (embedded)"
    print(f"\n{database}; {args.articles} articles, {len(paths)} URLs, Zipf-like; wrk -t2 -c{args.connections} "
          f"-d{args.seconds}s; serve --workers 2; {os.cpu_count()} cores")
    print(f"{'publishing':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x none':>8}{'publishes':>10}{'renders':>9}"
          f"{'/publish':>9}{'max/url':>8}{'non-2xx':>8}{'purge ms':>9}{'stale':>6}{'pub cpu s':>10}")
    baseline = rows[0][1]["rps"]
    for name, r in rows:
        published = r.get("published", 0)
        per = f"{r['renders'] / published:.1f}" if published else "-"
        print(f"{name:<14}{r['rps']:>9.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['rps'] / baseline:>8.3f}{published:>10}"
              f"{r['renders']:>9}{per:>9}{r['most_renders_of_one_url']:>8}{r['errors']:>8}{r['purge_ms']:>9.1f}"
              f"{r['marked']:>6}{r.get('publisher_cpu', 0):>10.1f}")
    print("renders: pages stored during the run (every one caused by a publish: the cache was warm); purge ms and\n"
          "stale: median time the publishing process spent purging, and pages it marked stale, per publish;\n"
          "pub cpu s: CPU seconds the publishing process used (from its start, Django's set-up included)")


if __name__ == "__main__":
    main()
