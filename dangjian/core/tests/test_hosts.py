"""Purges reach every host (core/broadcast.py): two `dangjian serve` hosts with their own page
caches on one PostgreSQL database and one Redis, and the stream follower against real Redis.
Needs the PostgreSQL + Redis run (DATABASE_URL, REDIS_URL), nginx and moto's S3 server."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import PIL.Image
import pytest
import redis
import requests

from dangjian.core.broadcast import Broadcast, PurgeMessage
from dangjian.core.pagecache import PageCache
from dangjian.testing.nginx import load_balancer, nginx_for_site, nginx_required
from dangjian.testing.pagecache import cached_file, stale_copy
from dangjian.testing.processes import backend_env, dangjian, dangjian_shell, free_port, stop_group, wait_for_status
from dangjian.testing.s3 import s3_server

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (REDIS_URL and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="several hosts share PostgreSQL and Redis (the PostgreSQL + Redis run)",
)


def wait_until(condition, *, within: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"{what} not within {within} s"
        time.sleep(0.02)
    return time.monotonic() - started


@dataclass
class Host:
    env: dict[str, str]
    base: str  # this host's nginx


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two hosts as production runs them, behind one load balancer: on each, `dangjian serve`
    with its own data directory and page cache and nginx in front (from `dangjian
    nginx_config`); shared: one PostgreSQL database, one Redis, media on one S3 server.
    Yields the hosts and the load balancer's address. One for the module: each test works
    on articles of its own."""
    nginx_required()
    tmp_path = tmp_path_factory.mktemp("cluster")
    public = f"localhost:{free_port()}"
    with (s3_server() as (s3_env, _endpoint),
          backend_env(tmp_path / "a", SECRET_KEY="hosts-" + uuid.uuid4().hex, DANGJIAN_BASE_URL=f"http://{public}",
                      DANGJIAN_CLIENT_IP_HEADER="X-Real-IP", **s3_env) as env_a,
          ExitStack() as stack):
        assert dangjian("demo", "--articles", "6", "--cities", "0", env=env_a).returncode == 0
        hosts = []
        for name, env in (("a", env_a), ("b", {**env_a, "DANGJIAN_DATA_DIR": str(tmp_path / "b")})):
            app_port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "dangjian", "serve", "--port", str(app_port), "--workers", "2"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            stack.callback(stop_group, server)
            wait_for_status(f"http://127.0.0.1:{app_port}/healthz", 200, timeout=60, process=server)
            hosts.append(Host(env, stack.enter_context(nginx_for_site(env, app_port, tmp_path / f"nginx-{name}"))))
        ports = [int(host.base.rsplit(":", 1)[1]) for host in hosts]
        yield hosts, stack.enter_context(load_balancer(ports, tmp_path / "balancer", int(public.split(":")[1])))


def through(host: Host, path: str, balancer: str, **options) -> requests.Response:
    """Ask one host's nginx, with the public address as readers' requests carry it."""
    return requests.get(host.base + path, headers={"Host": balancer.split("//")[1]}, allow_redirects=False,
                        timeout=10, **options)


def cached_on(host: Host, balancer: str, which: str) -> tuple[str, str]:
    """The id and URL of the first or last live article, now in `host`'s nginx cache."""
    page_id = dangjian_shell(f"from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().{which}().pk)",
                             env=host.env).split()[-1]
    path = f"/a/{page_id}/"
    through(host, path, balancer)
    assert through(host, path, balancer).headers.get("X-Page-Cache") == "HIT-nginx"
    return page_id, path


def test_a_publish_or_takedown_on_one_host_reaches_the_other_within_a_second(cluster):
    (a, b), balancer = cluster
    page_id, path = cached_on(b, balancer, "first")
    dangjian_shell(
        "from dangjian.portal.models import ArticlePage\n"
        f"p = ArticlePage.objects.get(pk={page_id}); p.title = '在甲服务器上改的标题'; p.save_revision().publish()",
        env=a.env,
    )
    wait_until(lambda: "在甲服务器上改的标题" in through(b, path, balancer).text, within=1.0, what="the edit on host B")
    wait_until(lambda: "在甲服务器上改的标题" in through(b, "/", balancer).text, within=2.0, what="host B's home page")
    assert all("在甲服务器上改的标题" in requests.get(balancer + path, timeout=10).text for _ in range(4))
    dangjian_shell(f"from dangjian.portal.models import ArticlePage; ArticlePage.objects.get(pk={page_id}).unpublish()",
                   env=a.env)
    wait_until(lambda: through(b, path, balancer).status_code == 404, within=1.0, what="the takedown on host B")
    assert all(requests.get(balancer + path, timeout=10).status_code == 404 for _ in range(4))


COMPLAINT = """
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.complaints import services
from dangjian.complaints.models import Complaint, ComplaintArticle
from dangjian.portal.models import ArticlePage
admin = User.objects.create_superuser("complaints-hosts", password=None)
page = ArticlePage.objects.get(pk={page_id})
complaint = Complaint.objects.create(number="TS-HOSTS", name="权利人", phone="", email="a@example.com", address="-",
                                     work_title="作品", description="-", good_faith_at=timezone.now(), deadline_at=timezone.now())
ComplaintArticle.objects.create(complaint=complaint, page=page, url="/a/{page_id}/", title=page.title)
services.complaint_take_down(complaint=complaint, user=admin)
"""
RESTORE = """
from dangjian.accounts.models import User
from dangjian.complaints import services
from dangjian.complaints.models import Complaint
services.complaint_restore(complaint=Complaint.objects.get(number="TS-HOSTS"), user=User.objects.get(username="complaints-hosts"))
"""


def test_a_complaint_takedown_on_one_host_answers_410_on_the_other_within_a_second(cluster):
    (a, b), balancer = cluster
    page_id, path = cached_on(b, balancer, "last")
    assert path in through(b, "/", balancer).text
    dangjian_shell(COMPLAINT.replace("{page_id}", page_id), env=a.env)
    wait_until(lambda: through(b, path, balancer).status_code == 410, within=1.0, what="the takedown on host B")
    assert "TS-HOSTS" in through(b, path, balancer).text
    wait_until(lambda: path not in through(b, "/", balancer).text, within=2.0, what="host B's home page")
    assert all(requests.get(balancer + path, timeout=10).status_code == 410 for _ in range(4))
    dangjian_shell(RESTORE, env=a.env)
    wait_until(lambda: through(b, path, balancer).status_code == 200, within=1.0, what="the restore on host B")
    assert all(requests.get(balancer + path, timeout=10).status_code == 200 for _ in range(4))


CONTRIBUTOR = """
from django.conf import settings
from django.test import Client
from dangjian.accounts.models import User
client = Client()
client.force_login(User.objects.create_user("contributor-hosts", password=None, phone="+8613800138999", phone_verified=True))
print(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
"""
PUBLISH = """
from dangjian.contributions.models import Submission
submission = Submission.objects.get()
submission.page.get_latest_revision().publish()
print(submission.page_id)
"""


def photo() -> bytes:
    out = io.BytesIO()
    PIL.Image.new("RGB", (900, 600), (180, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_contributed_on_one_host_shows_on_the_other(cluster):
    (a, b), balancer = cluster
    cookie_name, cookie = dangjian_shell(CONTRIBUTOR, env=a.env).split()[-2:]
    session = requests.Session()
    session.cookies.set(cookie_name, cookie)
    headers = {"Host": balancer.split("//")[1]}
    form = session.get(a.base + "/contribute/new/", headers=headers, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    channel = re.search(r'<option value="(\d+)"', form.text).group(1)
    response = session.post(a.base + "/contribute/new/", headers={**headers, "Referer": balancer + "/contribute/new/"},
                            allow_redirects=False, timeout=30, files={"new_photos": ("现场.jpg", photo(), "image/jpeg")}, data={
        "csrfmiddlewaretoken": token, "title": "两台服务器上的来稿", "channel": channel, "body": "<p>培训内容丰富。</p>",
        "author": "李老师", "organization": "凤庆县教育局", "contact_phone": "13800138000", "origin": "original",
        "declaration": "on", "action": "save"})
    assert response.status_code == 302, response.text[:2000]
    page_id = dangjian_shell(PUBLISH, env=a.env).split()[-1]
    html = through(b, f"/a/{page_id}/", balancer).text
    assert "两台服务器上的来稿" in html
    images = [src for src in re.findall(r'<img[^>]+src="([^"]+)"', html) if "/media/" in src and "images/" in src]
    assert images and all(src.startswith("http://127.0.0.1:") for src in images), images  # the bucket, not a host
    assert all(requests.get(src, timeout=10).status_code == 200 for src in images)


def test_a_host_that_lost_the_purge_stream_purges_everything_and_then_serves_the_new_page(cluster):
    (a, b), balancer = cluster
    page_id = dangjian_shell("from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.live().last().pk)",
                             env=a.env).split()[-1]
    path = f"/a/{page_id}/"
    for cached in (path, "/"):
        through(b, cached, balancer)
        assert through(b, cached, balancer).headers.get("X-Page-Cache") == "HIT-nginx"
    client = redis.Redis.from_url(REDIS_URL)
    origin = (Path(b.env["DANGJIAN_DATA_DIR"]) / "pagecache.host").read_text().strip()
    names = {entry["name"]: entry["id"] for entry in client.client_list()}
    client.client_kill_filter(_id=names[f"dangjian-purges-{origin}"])
    dangjian_shell(
        "from dangjian.portal.models import ArticlePage\n"
        f"p = ArticlePage.objects.get(pk={page_id}); p.title = '断线期间改的标题'; p.save_revision().publish()",
        env=a.env,
    )
    # Back on the stream, B removes every page it held, the home page too, then renders anew.
    wait_until(lambda: through(b, "/", balancer).headers.get("X-Page-Cache") != "HIT-nginx", within=5,
               what="host B emptying its cache on reconnect")
    assert "断线期间改的标题" in through(b, path, balancer).text


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
    return cached_file(cache, "localhost", path) is not None


def fill(cache: PageCache, *paths: str) -> None:
    for path in paths:
        assert cache.store("localhost", path, b"<html>" + path.encode() + b"</html>", "text/html", cache.generation())


def test_the_follower_applies_other_hosts_purges_and_skips_its_own(stream):
    publisher, follower, cache = stream
    wait_until(lambda: cache.generation() != "", within=5, what="the follower's start")
    fill(cache, "/a/1/", "/a/2/", "/a/9/", "/jcdj/")
    publisher.publish(PurgeMessage(removed_paths=["/a/1/"], stale_urls=["localhost/jcdj/"]))
    wait_until(lambda: not cached(cache, "/a/1/") and not cached(cache, "/jcdj/"), within=1, what="the purge")
    assert stale_copy(cache, "localhost", "/jcdj/") and cached(cache, "/a/2/")
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
