"""Stale-while-revalidate and single flight against a real `dangjian serve` (two worker
processes), on the backends of the test run. Renders are counted from the server's log
line for each page it stores."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from dangjian.testing.processes import backend_env, dangjian_shell, demo_load, served_site

FIRST_CHANNEL = (
    "from dangjian.portal.models import ChannelPage;"
    "print(ChannelPage.objects.live().order_by('path').first().url_path.strip('/').split('/')[-1])"
)


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, ""


def renders(log, path: str) -> int:
    return len(re.findall(rf"page cached: [^ ]+?{re.escape(path)} ", log.read_text()))


@pytest.fixture
def site(tmp_path):
    with backend_env(tmp_path / "data", DANGJIAN_LOG_LEVEL="INFO", DANGJIAN_LOG_FORMAT="plain") as env:
        demo_load("--articles", "12", "--cities", "0", env=env)
        channel = dangjian_shell(FIRST_CHANNEL, env=env).split()[-1]
        yield env, f"/{channel}/"


def publish_in(channel_path: str, title: str, env) -> int:
    """A new article in the channel, published by another process as an editor would."""
    code = (
        "from dangjian.portal.models import ArticlePage, ChannelPage\n"
        f"channel = [c for c in ChannelPage.objects.live() if c.url_path.endswith('{channel_path}')][0]\n"
        f"page = channel.add_child(instance=ArticlePage(title={title!r}, live=False))\n"
        "page.save_revision().publish()\n"
        "print(page.pk)"
    )
    return int(dangjian_shell(code, env=env).split()[-1])


def test_fifty_readers_of_a_stale_page_cause_one_render_and_get_it_at_once(site, tmp_path):
    env, channel = site
    log = tmp_path / "serve.log"
    with served_site(env, log=log) as (base, _server):
        status, headers, before = get(base + channel)
        assert status == 200 and get(base + channel)[1]["x-page-cache"] == "HIT"
        assert renders(log, channel) == 1
        publish_in(channel, "单次渲染测试文章", env)

        answers = []
        start = threading.Barrier(50)

        def read():
            start.wait()
            answers.append(get(base + channel))

        threads = [threading.Thread(target=read) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _h, _b in answers] == [200] * 50
        kinds = {headers["x-page-cache"] for _s, headers, _b in answers}
        assert kinds <= {"STALE", "HIT"} and "STALE" in kinds, kinds
        # The stale copy is the page as it was; the refresh replaces it within the window.
        assert all(body == before for _s, headers, body in answers if headers["x-page-cache"] == "STALE")
        deadline = time.monotonic() + 10
        while "单次渲染测试文章" not in get(base + channel)[2]:
            assert time.monotonic() < deadline, "the stale page was not refreshed"
            time.sleep(0.05)
        assert get(base + channel)[1]["x-page-cache"] == "HIT"
        assert renders(log, channel) == 2  # the first render and exactly one refresh


def test_an_edited_or_removed_article_is_never_served_old_after_the_purge(site, tmp_path):
    env, channel = site
    with served_site(env) as (base, _server):
        page_id = publish_in(channel, "改标题前", env)
        url = f"{base}/a/{page_id}/"
        for n in range(5):
            assert get(url)[0] == 200 and get(url)[1]["x-page-cache"] == "HIT"
            dangjian_shell(
                "from dangjian.portal.models import ArticlePage\n"
                f"p = ArticlePage.objects.get(pk={page_id}); p.title = '第{n}次改的标题'; p.save_revision().publish()",
                env=env,
            )
            status, headers, body = get(url)  # the purge returned with the publish
            assert f"第{n}次改的标题" in body and headers.get("x-page-cache") in (None, "MISS"), n
        dangjian_shell(f"from dangjian.portal.models import ArticlePage; ArticlePage.objects.get(pk={page_id}).unpublish()", env=env)
        assert get(url)[0] == 404


def test_a_page_render_records_its_dependencies_for_every_host(site):
    env, channel = site
    with served_site(env) as (base, _server):
        get(base + channel)
        rows = json.loads(dangjian_shell(
            "import json; from dangjian.core.models import PageDependency;"
            f"print(json.dumps(sorted(PageDependency.objects.filter(url__endswith='{channel}').values_list('key', flat=True))))",
            env=env,
        ).strip().splitlines()[-1])
    assert "channels-menu" in rows and any(key.startswith("list:") for key in rows) and any(key.startswith("hot:") for key in rows)


def test_several_editors_publishing_at_once_leave_no_page_behind(site, tmp_path):
    """Three processes republish twelve articles at once while readers read: afterwards
    every article and its channel page show the new titles within the stale window."""
    env, _channel = site
    rows = json.loads(dangjian_shell(
        "import json; from dangjian.portal.models import ArticlePage\n"
        "print(json.dumps([[a.pk, a.get_parent().url] for a in ArticlePage.objects.live()]))", env=env,
    ).strip().splitlines()[-1])
    with served_site(env) as (base, _server):
        urls = ["/", *{channel for _pk, channel in rows}, *(f"/a/{pk}/" for pk, _channel in rows)]
        for url in urls:
            get(base + url)
        editors = [
            subprocess.Popen(
                [sys.executable, "-m", "dangjian", "shell", "--no-imports", "-c",
                 "from dangjian.portal.models import ArticlePage\n"
                 f"for pk in {[pk for pk, _c in rows[n::3]]}:\n"
                 "    page = ArticlePage.objects.get(pk=pk)\n"
                 "    page.title = f'并发编辑后的标题{pk}'\n"
                 "    page.save_revision().publish()\n"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )
            for n in range(3)
        ]
        statuses = []
        while any(editor.poll() is None for editor in editors):
            statuses += [get(base + url)[0] for url in urls]
        for editor in editors:
            assert editor.wait() == 0, editor.stderr.read()
        assert set(statuses) <= {200}, statuses
        deadline = time.monotonic() + 10
        for pk, channel in rows:
            for url in (f"/a/{pk}/", channel):
                while f"并发编辑后的标题{pk}" not in get(base + url)[2]:
                    assert time.monotonic() < deadline, f"{url} still shows article {pk}'s old title"
                    time.sleep(0.05)
