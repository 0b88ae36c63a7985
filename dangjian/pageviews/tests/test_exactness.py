"""Exact counts against a real `dangjian serve`: under concurrency, and when the flusher or
the web workers are killed with SIGKILL. Runs on the backends of the test run (SQLite, or
PostgreSQL + Redis)."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest

from dangjian.pageviews.visitors import signed_visitor
from dangjian.testing.processes import backend_env, dangjian_shell, demo_load, served_site

SECRET_KEY = "exactness-test-secret-key"  # the server's, so that the test can sign visitor cookies
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.40"
FLUSH = "from dangjian.pageviews.services import pageviews_flush as f\nwhile f(): pass"
TOTALS = (
    "from dangjian.pageviews.models import ViewTotal, FlushBatch\n"
    "import json; print(json.dumps({'totals': dict(ViewTotal.objects.values_list('page_id', 'views')),"
    " 'batches': FlushBatch.objects.count()}))"
)


@pytest.fixture
def site(tmp_path):
    """A demo site with twelve articles; yields (env, article ids)."""
    # Every beacon comes from one address here: no rate limit, no cap per address.
    with backend_env(tmp_path / "data", SECRET_KEY=SECRET_KEY, DANGJIAN_VIEWS_RATE_LIMIT="1000000",
                     DANGJIAN_VIEWS_PER_ADDRESS_HOURLY="1000000") as env:
        demo_load("--articles", "12", "--cities", "0", env=env)
        ids = [int(i) for i in dangjian_shell(
            "from dangjian.portal.models import ArticlePage; print(*ArticlePage.objects.live().values_list('pk', flat=True))", env=env
        ).split()]
        assert len(ids) == 12
        # The demo comes with a view history; these tests count from zero.
        dangjian_shell("from dangjian.pageviews.models import ViewTotal, FlushBatch\n"
                       "ViewTotal.objects.all().delete(); FlushBatch.objects.all().delete()", env=env)
        yield env, ids


def stored_totals(env) -> tuple[Counter, int]:
    dangjian_shell(FLUSH, env=env)
    result = json.loads(dangjian_shell(TOTALS, env=env).strip().splitlines()[-1])
    return Counter({int(k): v for k, v in result["totals"].items()}), result["batches"]


class Client:
    """Beacons over one keep-alive connection, each from a new visitor."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection = None

    def beacon(self, page_id: int) -> int | None:
        """The status, or None when the connection failed (server killed)."""
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
            self.connection.request("POST", f"/pv/{page_id}", headers={
                "User-Agent": PHONE_UA, "Cookie": f"dj_vid={signed_visitor(uuid.uuid4().hex, secret_key=SECRET_KEY)}",
            })
            response = self.connection.getresponse()
            body = response.read()
            if response.status == 200:
                assert json.loads(body)["counted"] is True
            return response.status
        except (OSError, http.client.HTTPException):
            self.connection = None
            return None


def test_twenty_threads_of_500_beacons_are_counted_exactly(site):
    env, ids = site
    accepted: Counter = Counter()
    lock = threading.Lock()
    with served_site(env) as (base, _server):
        def run(n):
            client, mine = Client(base), Counter()
            rng = random.Random(n)
            for _ in range(500):
                page_id = rng.choice(ids)
                if client.beacon(page_id) == 200:
                    mine[page_id] += 1
            with lock:
                accepted.update(mine)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(accepted.values()) == 10_000  # every beacon answered 2xx
    totals, _batches = stored_totals(env)
    assert totals == accepted


def test_killing_the_flusher_at_random_points_loses_and_doubles_nothing(site):
    env, ids = site
    accepted: Counter = Counter()
    rng = random.Random(4)
    with served_site(env) as (base, _server):
        client = Client(base)
        kills = 0
        for _round in range(12):
            for _ in range(300):
                page_id = rng.choice(ids)
                assert client.beacon(page_id) == 200
                accepted[page_id] += 1
            # A flusher in a loop, killed at a random moment: while starting, mid-batch,
            # between the database commit and the buffer cleanup, or idle.
            flusher = subprocess.Popen(
                [sys.executable, "-m", "dangjian", "shell", "--no-imports", "-c",
                 "from dangjian.pageviews.services import pageviews_flush\n"
                 "print('ready', flush=True)\n"
                 "while True:\n    pageviews_flush()\n"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )
            assert flusher.stdout.readline().strip() == "ready"
            # Keep beacons coming while it flushes, so batches keep forming under it.
            deadline = time.monotonic() + rng.uniform(0.05, 1.5)
            while time.monotonic() < deadline:
                page_id = rng.choice(ids)
                assert client.beacon(page_id) == 200
                accepted[page_id] += 1
            os.kill(flusher.pid, signal.SIGKILL)
            flusher.wait()
            kills += 1
    assert kills >= 10
    totals, batches = stored_totals(env)
    assert totals == accepted
    assert batches > kills  # flushes really happened between the kills


def test_killing_the_web_workers_loses_no_answered_view(site):
    env, ids = site
    answered: Counter = Counter()
    failed = 0
    lock = threading.Lock()
    rng = random.Random(9)
    for _round in range(5):
        with served_site(env) as (base, server):
            stop, progress, answered_now = threading.Event(), threading.Condition(), [0]

            def run(n, base=base, stop=stop, progress=progress, answered_now=answered_now):
                nonlocal failed
                client, mine, lost = Client(base), Counter(), 0
                local_rng = random.Random(n)
                while not stop.is_set():
                    page_id = local_rng.choice(ids)
                    status = client.beacon(page_id)
                    if status == 200:
                        mine[page_id] += 1
                        with progress:
                            answered_now[0] += 1
                            progress.notify()
                    elif status is None:
                        lost += 1
                        break  # the server is gone
                with lock:
                    answered.update(mine)
                    failed += lost

            threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            # Killed after a random number of answers rather than a random time, so a slow
            # machine still kills mid-stream and every round counts something.
            target = rng.randint(200, 600)
            with progress:
                assert progress.wait_for(lambda target=target, answered_now=answered_now: answered_now[0] >= target, timeout=120)
            os.killpg(server.pid, signal.SIGKILL)  # every worker, mid-answer
            stop.set()
            for thread in threads:
                thread.join()
    totals, _batches = stored_totals(env)
    # Every answered view is stored; a view recorded whose answer the kill cut off may be
    # stored too (at most one per client connection that failed).
    for page_id in ids:
        assert totals[page_id] >= answered[page_id]
    assert sum(totals.values()) - sum(answered.values()) <= failed
