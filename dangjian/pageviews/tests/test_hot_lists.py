"""Hot lists on a fixed synthetic history, compaction, and the pages that show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from dangjian.core.middleware import page_cache
from dangjian.pageviews import selectors
from dangjian.pageviews.models import DailyViews, HotListEntry, HourlyViews, ViewTotal
from dangjian.pageviews.services import hot_lists_refresh, hourly_views_compact, views_apply
from dangjian.portal.tests.fixtures import make_article
from dangjian.testing.pagecache import cached_file

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


def hours_ago(hours: float) -> int:
    return int((NOW.timestamp() - hours * 3600) // 3600)


@pytest.fixture
def history(portal_site):
    """Six articles in two channels with views spread over the last 60 days:
    - a: 50 views in the last hour (a: hottest today, nothing before)
    - b: 30 today, 100 five days ago (b: hottest this week)
    - c: 10 today, 20 five days ago, 500 twenty days ago (c: hottest this month)
    - d: 900 fifty days ago (only all-time) and a starting count of 5000 (all-time first)
    - e: in the second channel, 40 today
    - f: a draft with 10,000 views today (never listed)"""
    first, second = portal_site.channels[0], portal_site.channels[1]
    a, b, c = (make_article(first, title=f"文章{name}", initial_views=0) for name in "abc")
    d = make_article(first, title="文章d", initial_views=5000)
    e = make_article(second, title="文章e", initial_views=0)
    f = make_article(first, title="文章f", initial_views=0, publish=False)
    views_apply(batch_id="history", increments={
        (a.pk, hours_ago(0)): 50,
        (b.pk, hours_ago(2)): 30, (b.pk, hours_ago(5 * 24)): 100,
        (c.pk, hours_ago(3)): 10, (c.pk, hours_ago(5 * 24 + 1)): 20, (c.pk, hours_ago(20 * 24)): 500,
        (d.pk, hours_ago(50 * 24)): 900,
        (e.pk, hours_ago(1)): 40,
        (f.pk, hours_ago(1)): 10_000,
    })
    return portal_site, dict(a=a, b=b, c=c, d=d, e=e, f=f)


def ranked(scope, window, articles):
    names = {article.pk: name for name, article in articles.items()}
    return [(names[pk], views) for pk, views in selectors.ranking(scope=scope, window=window, now=NOW)]


def test_rankings_for_each_window_and_scope(history):
    site, articles = history
    home, first, second = site.home, site.channels[0], site.channels[1]
    assert ranked(home, "24h", articles) == [("a", 50), ("e", 40), ("b", 30), ("c", 10)]
    assert ranked(home, "7d", articles) == [("b", 130), ("a", 50), ("e", 40), ("c", 30)]
    assert ranked(home, "30d", articles) == [("c", 530), ("b", 130), ("a", 50), ("e", 40)]
    assert ranked(home, "all", articles) == [("d", 5900), ("c", 530), ("b", 130), ("a", 50), ("e", 40)]
    assert ranked(first, "24h", articles) == [("a", 50), ("b", 30), ("c", 10)]
    assert ranked(second, "7d", articles) == [("e", 40)]
    assert ranked(second, "all", articles) == [("e", 40)]


def test_window_edges_are_exact(history):
    site, articles = history
    hour_24_ago = make_article(site.channels[0], title="边界", initial_views=0)
    views_apply(batch_id="edges", increments={(hour_24_ago.pk, hours_ago(23)): 7, (hour_24_ago.pk, hours_ago(24)): 1000})
    articles["edge"] = hour_24_ago
    assert ("edge", 7) in ranked(site.home, "24h", articles)  # 23 h ago is inside, 24 h ago is not


def test_restricted_articles_are_not_listed(history):
    site, articles = history
    PageViewRestriction.objects.create(page=articles["a"], restriction_type="password", password="x")
    assert "a" not in [name for name, _views in ranked(site.home, "24h", articles)]


def test_refresh_stores_the_lists_and_pages_show_them(history, client, django_capture_on_commit_callbacks):
    site, articles = history
    with django_capture_on_commit_callbacks(execute=True):
        assert hot_lists_refresh(now=NOW) == 3  # home and both channels changed
    home_lists = {window: [entry["title"] for entry in entries] for window, _label, entries in selectors.hot_lists(site.home)}
    assert home_lists["24h"] == ["文章a", "文章e", "文章b", "文章c"]
    assert home_lists["all"][0] == "文章d"
    html = client.get("/").content.decode()
    assert html.index("文章a") < html.index("文章e")
    assert "24小时" in html and "总榜" in html
    channel_html = client.get(site.channels[1].url).content.decode()
    assert 'class="hot-panel hot-24h"' in channel_html and "文章e" in channel_html
    with django_capture_on_commit_callbacks(execute=True):
        assert hot_lists_refresh(now=NOW) == 0  # nothing moved: no purge


def test_a_changed_list_purges_only_the_pages_that_show_it(history, client, django_capture_on_commit_callbacks):
    site, articles = history
    with django_capture_on_commit_callbacks(execute=True):
        hot_lists_refresh(now=NOW)
    cache = page_cache()
    for url in ("/", site.channels[0].url, site.channels[1].url, f"/a/{articles['a'].pk}/"):
        client.get(url)
    cached = lambda url: cached_file(cache, "testserver", url) is not None  # noqa: E731
    assert all(cached(url) for url in ("/", site.channels[0].url, site.channels[1].url))
    views_apply(batch_id="surge", increments={(articles["b"].pk, hours_ago(0)): 1000})
    with django_capture_on_commit_callbacks(execute=True):
        assert hot_lists_refresh(now=NOW) == 2  # the home page and b's channel
    assert not cached("/") and not cached(site.channels[0].url)
    assert cached(site.channels[1].url) and cached(f"/a/{articles['a'].pk}/")


def test_compaction_keeps_daily_and_total_views(history):
    _site, articles = history
    before_daily = sum(DailyViews.objects.values_list("views", flat=True))
    before_total = sum(ViewTotal.objects.values_list("views", flat=True))
    assert HourlyViews.objects.filter(page_id=articles["d"].pk).exists()
    deleted = hourly_views_compact(now=NOW)
    assert deleted == 1  # only d's bucket is older than 30 days
    assert not HourlyViews.objects.filter(page_id=articles["d"].pk).exists()
    assert sum(DailyViews.objects.values_list("views", flat=True)) == before_daily
    assert sum(ViewTotal.objects.values_list("views", flat=True)) == before_total
    assert HourlyViews.objects.filter(page_id=articles["c"].pk).count() == 3


def test_home_and_channel_pages_use_a_constant_number_of_queries(history, client, django_assert_max_num_queries):
    site, articles = history
    hot_lists_refresh(now=NOW)
    client.get("/")  # warm Wagtail's site cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(30):
        make_article(site.channels[n % 2], title=f"更多{n}")
    views_apply(batch_id="more", increments={(article.pk, hours_ago(1)): 1 for article in articles.values()})
    hot_lists_refresh(now=NOW)
    client.get("/")  # records the page's new dependencies, as the first render after a purge does
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
    assert HotListEntry.objects.filter(scope=site.home).exists()


def test_hot_lists_stay_empty_without_views_and_say_so(portal_site, client):
    make_article(portal_site.channels[0], initial_views=0)
    hot_lists_refresh(now=timezone.now())
    html = client.get("/").content.decode()
    assert "暂无排行" in html
