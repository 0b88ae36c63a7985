"""Purges reach every host (core/broadcast.py): two `dangjian serve` hosts with their own page
caches on one PostgreSQL database and one Redis, and the stream follower against real Redis.
Needs the PostgreSQL + Redis run (DATABASE_URL, REDIS_URL)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
import redis

from dangjian.core.broadcast import Broadcast, PurgeMessage
from dangjian.core.pagecache import PageCache
from dangjian.testing.processes import backend_env, dangjian, dangjian_shell, served_site

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (REDIS_URL and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="several hosts share PostgreSQL and Redis (the PostgreSQL + Redis run)",
)


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("X-Page-Cache", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", ""


def wait_until(condition, *, within: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"{what} not within {within} s"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def two_hosts(tmp_path):
    """Host A and host B: separate data directories and page caches, one database, one Redis."""
    with backend_env(tmp_path / "a", SECRET_KEY="two-hosts-" + uuid.uuid4().hex) as env_a:
        assert dangjian("demo", "--articles", "6", "--cities", "0", env=env_a).returncode == 0
        env_b = {**env_a, "DANGJIAN_DATA_DIR": str(tmp_path / "b")}
        with served_site(env_a) as (base_a, _a), served_site(env_b) as (base_b, _b):
            yield (env_a, base_a), (env_b, base_b)


def test_a_publish_or_takedown_on_one_host_reaches_the_other_within_a_second(two_hosts):
    (env_a, base_a), (_env_b, base_b) = two_hosts
    page_id = dangjian_shell("from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().first().pk)",
                             env=env_a).split()[-1]
    url_b = f"{base_b}/a/{page_id}/"
    get(url_b)
    assert get(url_b)[1] == "HIT" and get(base_b + "/")[0] == 200
    dangjian_shell(
        "from dangjian.portal.models import ArticlePage\n"
        f"p = ArticlePage.objects.get(pk={page_id}); p.title = '在甲服务器上改的标题'; p.save_revision().publish()",
        env=env_a,
    )
    wait_until(lambda: "在甲服务器上改的标题" in get(url_b)[2], within=1.0, what="the edit on host B")
    wait_until(lambda: "在甲服务器上改的标题" in get(base_b + "/")[2], within=2.0, what="host B's home page")
    dangjian_shell(f"from dangjian.portal.models import ArticlePage; ArticlePage.objects.get(pk={page_id}).unpublish()", env=env_a)
    wait_until(lambda: get(url_b)[0] == 404, within=1.0, what="the takedown on host B")


@pytest.fixture
def stream(tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    publisher = Broadcast(REDIS_URL, prefix, PageCache(tmp_path / "a" / "pagecache"))
    cache = PageCache(tmp_path / "b" / "pagecache")
    follower = Broadcast(REDIS_URL, prefix, cache)
    stop = threading.Event()
    thread = threading.Thread(target=follower.follow, args=(stop,), kwargs={"block_ms": 100}, daemon=True)
    thread.start()
    yield publisher, follower, cache
    stop.set()
    thread.join(5)
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(publisher.counter, publisher.stream)


def cached(cache: PageCache, path: str) -> bool:
    return cache.lookup("localhost", path) is not None


def fill(cache: PageCache, *paths: str) -> None:
    for path in paths:
        assert cache.store("localhost", path, b"<html>" + path.encode() + b"</html>", "text/html", cache.generation())


def test_the_follower_applies_other_hosts_purges_and_skips_its_own(stream):
    publisher, follower, cache = stream
    wait_until(lambda: cache.generation() != "", within=5, what="the follower's start")
    fill(cache, "/a/1/", "/a/2/", "/a/9/", "/jcdj/")
    publisher.publish(PurgeMessage(removed_paths=["/a/1/"], stale_urls=["localhost/jcdj/"]))
    wait_until(lambda: not cached(cache, "/a/1/") and not cached(cache, "/jcdj/"), within=1, what="the purge")
    assert cache.lookup_stale("localhost", "/jcdj/") and cached(cache, "/a/2/")
    follower.publish(PurgeMessage(removed_paths=["/a/2/"]))  # its own: applied where it was made
    publisher.publish(PurgeMessage(removed_paths=["/a/9/"]))
    # Entries are applied in order: once the third is, the second was read and skipped.
    wait_until(lambda: not cached(cache, "/a/9/"), within=1, what="the third purge")
    assert cached(cache, "/a/2/")


def test_a_gap_in_the_sequence_or_a_lost_connection_removes_every_page(stream):
    publisher, follower, cache = stream
    wait_until(lambda: cache.generation() != "", within=5, what="the follower's start")
    fill(cache, "/a/1/")
    client = redis.Redis.from_url(REDIS_URL)
    client.incr(publisher.counter, 5)  # five purges nobody can read any more
    publisher.publish(PurgeMessage(removed_paths=["/a/9/"]))
    wait_until(lambda: not cached(cache, "/a/1/"), within=1, what="everything removed after a gap")
    fill(cache, "/a/1/")
    names = {entry["name"]: entry["id"] for entry in client.client_list()}
    client.client_kill_filter(_id=names[f"dangjian-purges-{follower.origin}"])
    wait_until(lambda: not cached(cache, "/a/1/"), within=5, what="everything removed on reconnect")
    fill(cache, "/a/1/")
    publisher.publish(PurgeMessage(removed_paths=["/a/1/"]))
    wait_until(lambda: not cached(cache, "/a/1/"), within=1, what="purges followed after reconnecting")
    assert json.loads(client.xrevrange(publisher.stream, count=1)[0][1][b"purge"])["removed_paths"] == ["/a/1/"]
