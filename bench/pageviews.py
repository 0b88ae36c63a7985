#!/usr/bin/env python3
"""View beacons under load, then a flush and an exactness check, in the embedded default
(SQLite buffer) and in Redis mode.

For each mode: a fresh demo site under `dangjian serve --workers 2` with its background
jobs running (the embedded worker, or `dangjian worker --with-scheduler` in Redis mode, so
flushes happen during the load as in production). wrk sends beacons for N seconds over 64
connections, every one from a new visitor (its own signed cookie, one of 65,536 client addresses
via X-Real-IP), spread over the demo's articles. Then, so that no beacon is in flight when
wrk stops, each connection switches to beacons for an id that does not exist (404, never
counted) for the last seconds. Every 2xx answer is one accepted view. After a final flush
the stored totals must equal the accepted views: 0 lost, 0 doubled.

    .venv/bin/python bench/pageviews.py [--seconds 30] [--connections 64] [--mode embedded|redis|both]

Needs wrk (apt-get install wrk) and, for Redis mode, a Redis server (REDIS_URL, default
redis://127.0.0.1:6379/0; keys go under a prefix of their own and are removed afterwards).
Set DATABASE_URL to keep the counts in PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

from common import demo_site, shell

SECRET_KEY = "bench-pageviews-secret-key"  # the server's, so that visitor cookies can be signed here
POOL = 16_384  # signed cookies per wrk thread; with 20 articles, 327,680 distinct (visitor, article) per thread

LUA = r"""
local threads, counter, ids, deadline = 0, 0, {}, 0
tid = 1  -- a global: setup() gives each thread its own, and with it its own cookies
local ua = "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.40"

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  deadline = tonumber(args[1])
  for i = 2, #args do ids[#ids + 1] = args[i] end
end

function request()
  counter = counter + 1
  local path = "/pv/999999999"
  if os.time() < deadline then path = "/pv/" .. ids[(counter % #ids) + 1] end
  local ip = string.format("10.%d.%d.1", math.floor(counter / 256) % 256, counter % 256)
  local visitor = cookies[tid][math.floor(counter / #ids) % #cookies[tid] + 1]
  return wrk.format("POST", path, {["Cookie"] = "dj_vid=" .. visitor, ["User-Agent"] = ua, ["X-Real-IP"] = ip})
end
"""


def cookie_pools(threads: int) -> str:
    """Lua: one list of signed visitor cookies per wrk thread (wrk's Lua has no HMAC)."""
    from dangjian.pageviews.visitors import signed_visitor

    pools = [",".join(f'"{signed_visitor(uuid.uuid4().hex, secret_key=SECRET_KEY)}"' for _ in range(POOL)) for _ in range(threads)]
    return "cookies = {" + ",".join("{" + pool + "}" for pool in pools) + "}\n"


FLUSH_AND_SUM = (
    "from dangjian.pageviews.services import pageviews_flush as f\n"
    "while f(): pass\n"
    "from django.db.models import Sum\n"
    "from dangjian.pageviews.models import ViewTotal, FlushBatch\n"
    "import json; print(json.dumps([ViewTotal.objects.aggregate(s=Sum('views'))['s'] or 0, FlushBatch.objects.count()]))"
)


def run_wrk(base: str, ids: list[str], seconds: int, connections: int, drain: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(cookie_pools(2) + LUA)
    start = time.time()
    deadline = math.ceil(start) + seconds
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{math.ceil(deadline - start) + drain}s", "--latency", "-s", script.name,
         base + "/", "--", str(deadline), *ids],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(script.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    accepted = requests - (int(non_2xx.group(1)) if non_2xx else 0)
    return {
        "accepted": accepted, "per_second": accepted / (deadline - start), "p50": ms("50%"), "p99": ms("99%"),
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


def bench_mode(mode: str, seconds: int, connections: int, redis_url: str) -> None:
    # Every beacon is a new visitor, so no address reaches its hourly views of an article.
    extra = {"DANGJIAN_CLIENT_IP_HEADER": "X-Real-IP", "SECRET_KEY": SECRET_KEY, "DANGJIAN_VIEWS_PER_ADDRESS_HOURLY": "1000000"}
    prefix = None
    if mode == "redis":
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        extra.update(REDIS_URL=redis_url, DANGJIAN_CACHE_PREFIX=prefix)
    else:
        extra.update(REDIS_URL="")
    with demo_site(20, workers=2, **extra) as (base, env, _server, _data_dir):
        worker = None
        if mode == "redis":
            worker = subprocess.Popen([sys.executable, "-m", "dangjian", "worker", "--with-scheduler"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ids = shell("from dangjian.portal.models import ArticlePage\n"
                        "print(*ArticlePage.objects.live().values_list('pk', flat=True))", env).split()
            baseline, _ = json.loads(shell(FLUSH_AND_SUM, env).splitlines()[-1])  # the demo's view history
            print(f"-- {mode}: {seconds} s of beacons, {connections} connections, {len(ids)} articles", flush=True)
            result = run_wrk(base, ids, seconds, connections, drain=3)
            stored, batches = json.loads(shell(FLUSH_AND_SUM, env).splitlines()[-1])
            stored -= baseline
        finally:
            if worker:
                worker.terminate()
                worker.wait()
            if prefix:
                import redis

                from dangjian.core.redis_keys import delete_prefix

                delete_prefix(redis.Redis.from_url(redis_url), f"{prefix}:")
    lost, doubled = max(0, result["accepted"] - stored), max(0, stored - result["accepted"])
    print(f"{mode:9s} accepted {result['accepted']:>8d}  {result['per_second']:>8.0f}/s  p50 {result['p50']:.2f} ms"
          f"  p99 {result['p99']:.2f} ms  stored {stored}  lost {lost}  doubled {doubled}"
          f"  (flush batches {batches}, socket errors {result['socket_errors']})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--mode", choices=["embedded", "redis", "both"], default="both")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    for mode in (["embedded", "redis"] if args.mode == "both" else [args.mode]):
        bench_mode(mode, args.seconds, args.connections, redis_url)


if __name__ == "__main__":
    main()
