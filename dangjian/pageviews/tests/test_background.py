"""`dangjian serve` alone keeps counts and hot lists current: its worker and scheduler
flush the buffer and recompute the hot lists with no other command."""

from __future__ import annotations

import time
import urllib.request

from dangjian.pageviews.visitors import signed_visitor
from dangjian.testing.processes import backend_env, dangjian_shell, demo_load, fetch, served_site

PHONE_UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
SECRET_KEY = "background-test-secret-key"  # the server's, so that the test can sign visitor cookies


def test_serve_flushes_views_and_refreshes_hot_lists_by_itself(tmp_path):
    with backend_env(tmp_path / "data", DANGJIAN_VIEWS_FLUSH_SECONDS="1", DANGJIAN_HOT_LISTS_SECONDS="2", SECRET_KEY=SECRET_KEY,
                     DANGJIAN_VIEWS_PER_ADDRESS_HOURLY="1000") as env:
        demo_load("--articles", "3", "--cities", "0", env=env)
        # No view history: the 24-hour list starts empty.
        article_id, title = dangjian_shell(
            "from dangjian.pageviews.models import DailyViews, HotListEntry, HourlyViews, ViewTotal\n"
            "for model in (DailyViews, HotListEntry, HourlyViews, ViewTotal): model.objects.all().delete()\n"
            "from dangjian.portal.models import ArticlePage\n"
            "a = ArticlePage.objects.live().order_by('first_published_at').first(); print(a.pk, a.title)", env=env
        ).split(" ", 1)
        title = title.strip()
        with served_site(env, background=True) as (base, _server):
            assert "暂无排行" in fetch(base + "/")[1].decode().split('class="hot-panel hot-24h"')[1].split("</div>")[0]
            for n in range(300):  # three hundred readers in the last hour: the day's hottest
                request = urllib.request.Request(f"{base}/pv/{article_id}", method="POST", headers={
                    "User-Agent": PHONE_UA, "Cookie": f"dj_vid={signed_visitor(f'{n:032x}', secret_key=SECRET_KEY)}"})
                assert urllib.request.urlopen(request, timeout=10).status == 200
            deadline = time.monotonic() + 60
            while True:
                home = fetch(base + "/")[1].decode()
                day_list = home.split('class="hot-panel hot-24h"')[1].split("</div>")[0]
                if title in day_list.split("</li>")[0]:
                    break
                assert time.monotonic() < deadline, "the hot list did not change within 60 s"
                time.sleep(0.5)
            # The list moves once part of the views is flushed; the rest follows while the server runs.
            while (stored := int(dangjian_shell(
                    f"from dangjian.pageviews.models import HourlyViews\n"
                    f"print(sum(HourlyViews.objects.filter(page_id={article_id}).values_list('views', flat=True)))", env=env,
            ).split()[-1])) != 300:
                assert stored < 300 and time.monotonic() < deadline, f"{stored} of 300 views stored"
