"""Crashes mid-write: nothing half-written is ever served or restored."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

from dangjian.core.pagecache import PageCache
from dangjian.testing.processes import (
    clean_env,
    dangjian,
    dangjian_shell,
    demo_load,
    fetch,
    free_port,
)


def test_killing_the_server_while_it_fills_the_cache_leaves_only_whole_pages(tmp_path):
    port = free_port()
    env = clean_env(tmp_path / "data", DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}", DANGJIAN_SERVE_WORKER="0")
    demo_load("--articles", "12", "--cities", "0", env=env)
    ids = dangjian_shell("from dangjian.portal.models import ArticlePage; print(*ArticlePage.objects.values_list('pk', flat=True))", env=env).split()
    urls = ["/", "/jcdj/", "/xczx/", "/feed/", "/sitemap.xml"] + [f"/a/{i}/" for i in ids]
    cache = PageCache(tmp_path / "data" / "pagecache")
    rng = random.Random(7)
    checked = 0
    for round_ in range(5):
        server = subprocess.Popen([sys.executable, "-m", "granian", "--interface", "wsgi", "--port", str(port),
                                   "--workers", "2", "dangjian.wsgi:application"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                fetch(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        cache.new_generation()
        cache.stale_all()  # readers get stale copies while refreshes render in the background
        stop = threading.Event()

        def hammer(stop=stop):
            while not stop.is_set():
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{rng.choice(urls)}", timeout=5).read()
                except OSError:
                    return

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.3, 1.5))
        os.killpg(server.pid, signal.SIGKILL)  # the server and all its workers, mid-render
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        for file in [*cache.root.rglob("*"), *cache.stale_root.rglob("*")]:
            if file.is_file():
                # A killed writer may leave a .tmp- file behind; no URL maps to one.
                served = file.name in ("index.html", "index.rss", "index.xml") or file.suffix in (".xml", ".txt")
                if served:
                    text = file.read_text()
                    assert text.rstrip().endswith(("</html>", "</rss>", "</urlset>")), (round_, file)
                    checked += 1
    assert checked > 0, "no page was cached before the kills: the test did not test anything"


def test_backup_while_articles_are_being_published_restores_a_consistent_database(tmp_path):
    env = clean_env(tmp_path / "data", DANGJIAN_SERVE_WORKER="0")
    demo_load("--articles", "3", "--cities", "0", env=env)
    stop = tmp_path / "stop-writing"  # made once the backup is done: the writer adds one more and stops
    writer = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "shell", "--no-imports", "-c",
         "from dangjian.portal.models import ArticlePage, ChannelPage\n"
         "c = ChannelPage.objects.get(slug='jcdj')\n"
         "from pathlib import Path\n"
         "def write(n):\n"
         "    a = c.add_child(instance=ArticlePage(title=f'备份期间写入{n}', slug=f'w{n}'))\n"
         "    a.save_revision().publish()\n"
         "n = 0\n"
         f"while not Path({str(stop)!r}).exists():\n"
         "    write(n); n += 1\n"
         "write(n)\n"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    db_path = tmp_path / "data" / "dangjian.sqlite3"
    deadline = time.monotonic() + 60
    while True:  # back up once the writer is under way
        with sqlite3.connect(db_path, timeout=20) as probe:
            if probe.execute("SELECT count(*) FROM wagtailcore_page WHERE title LIKE '备份期间写入%'").fetchone()[0]:
                break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    made = dangjian("backup", str(tmp_path / "b.tar"), env=env)
    stop.touch()
    assert writer.wait(timeout=120) == 0
    final = dangjian_shell("from wagtail.models import Page; print(Page.objects.filter(title__startswith='备份期间写入').count())", env=env)
    assert made.returncode == 0, made.stderr
    assert dangjian("restore", str(tmp_path / "b.tar"), env=env).returncode == 0
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # The tree is whole: every page's parent exists and numchild matches.
    check = (
        "from wagtail.models import Page; bad = [p.pk for p in Page.objects.all() if p.depth > 1 and p.get_parent() is None];"
        "wrong = [p.pk for p in Page.objects.all() if p.numchild != p.get_children().count()];"
        "print(len(bad), len(wrong), Page.objects.filter(title__startswith='备份期间写入').count())"
    )
    missing_parents, wrong_counts, written = dangjian_shell(check, env=env).split()[-3:]
    assert (missing_parents, wrong_counts) == ("0", "0")
    assert 0 < int(written) < int(final.split()[-1])  # the backup caught the writer mid-way, consistently
