"""The search page as readers get it: the header box, results, filters, paging, help."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.middleware import page_cache
from dangjian.portal.tests.fixtures import make_article
from dangjian.search.services import search_index_rebuild
from dangjian.testing.pagecache import cached_file


def titles(html: str) -> list[str]:
    return [re.sub("<[^>]+>", "", t) for t in re.findall(r'<a class="title" href="[^"]+">(.*?)</a>', html)]


def test_every_page_has_the_search_box(client, search_archive):
    for url in ["/", search_archive.channels[0].url, f"/a/{search_archive.articles['tea'].pk}/"]:
        html = client.get(url).content.decode()
        assert '<form class="header-search" action="/search/" method="get" role="search">' in html
        assert 'name="q"' in html and "搜索" in html


def test_count_and_list_agree_while_the_index_still_holds_unpublished_articles(client, search_archive):
    from dangjian.portal.models import ArticlePage
    from dangjian.search.selectors import search_articles

    found = [hit.page.pk for hit in search_articles(query="凤庆").hits]
    assert len(found) == 4 and search_archive.articles["tea"].pk in found
    # Taken offline behind the index's back, as when the worker is stopped.
    ArticlePage.objects.filter(pk__in=found).exclude(pk=search_archive.articles["tea"].pk).update(live=False)
    html = client.get("/search/", {"q": "凤庆"}).content.decode()
    assert "共找到 1 篇文章" in html and len(titles(html)) == 1
    ArticlePage.objects.filter(pk=search_archive.articles["tea"].pk).update(live=False)
    html = client.get("/search/", {"q": "凤庆"}).content.decode()
    assert "共找到" not in html and titles(html) == [] and "没有找到与" in html


def test_results_with_count_highlights_and_channel(client, search_archive):
    response = client.get("/search/", {"q": "凤庆"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共找到 4 篇文章" in html
    assert titles(html)[0] == "凤庆县召开基层党建工作推进会"
    assert "<mark>凤庆</mark>县召开基层党建工作推进会" in html
    assert "<mark>凤庆</mark>是滇红茶的故乡" in html  # the snippet around the match
    assert "乡村振兴</span>" in html  # the channel of each hit
    assert "no-cache" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in html


def test_filters_sort_and_help_when_nothing_matches(client, search_archive):
    rural = search_archive.channels[1]
    html = client.get("/search/", {"q": "凤庆", "channel": rural.pk}).content.decode()
    assert titles(html) == ["村级集体经济发展调研报告", "茶叶产业带动群众增收"]
    assert f'<option value="{rural.pk}" selected>' in html

    html = client.get("/search/", {"q": "凤庆", "sort": "date"}).content.decode()
    assert titles(html) == ["凤庆县召开基层党建工作推进会", "二十大精神进社区", "茶叶产业带动群众增收", "村级集体经济发展调研报告"]

    old = timezone.localdate() - dt.timedelta(days=365)
    html = client.get("/search/", {"q": "凤庆", "date_from": old, "date_to": old}).content.decode()
    assert "没有找到与“凤庆”相关的文章。" in html
    assert "去掉栏目或日期筛选后再搜索。" in html
    assert 'href="?q=%E5%87%A4%E5%BA%86"' in html  # search again without the filters

    html = client.get("/search/", {"q": "凤庆 区块链"}).content.decode()
    assert "减少搜索词" in html


def test_reversed_date_range_is_understood(client, search_archive):
    today = timezone.localdate()
    html = client.get("/search/", {"q": "凤庆", "date_from": today, "date_to": today - dt.timedelta(days=30)}).content.decode()
    assert "共找到 4 篇文章" in html


def test_bad_filters_are_ignored_with_a_message(client, search_archive):
    response = client.get("/search/", {"q": "凤庆", "channel": "abc", "date_from": "2023-13-45", "sort": "x", "page": "-1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共找到 4 篇文章" in html
    assert "以下筛选条件无法识别，已忽略：栏目、起始日期、排序。" in html


def test_pagination(client, portal_site):
    channel = portal_site.channels[0]
    for n in range(45):
        make_article(channel, title=f"第{n}期楚雄州党建简报", first_published_at=timezone.now() - dt.timedelta(hours=n))
    search_index_rebuild()
    first = client.get("/search/", {"q": "楚雄", "sort": "date"}).content.decode()
    assert "共找到 45 篇文章" in first
    assert titles(first)[:2] == ["第0期楚雄州党建简报", "第1期楚雄州党建简报"] and len(titles(first)) == 20
    assert "第 1 / 3 页" in first
    assert 'rel="next" href="?q=%E6%A5%9A%E9%9B%84&amp;sort=date&amp;page=2"' in first
    third = client.get("/search/", {"q": "楚雄", "sort": "date", "page": 3}).content.decode()
    assert titles(third) == [f"第{n}期楚雄州党建简报" for n in range(40, 45)]
    assert client.get("/search/", {"q": "楚雄", "page": 99}).status_code == 200


def test_search_page_is_never_stored_in_the_page_cache(client, search_archive):
    client.get("/search/")
    client.get("/search/", {"q": "凤庆"})
    assert cached_file(page_cache(), "testserver", "/search/") is None


def test_popular_searches_are_counted_and_only_found_ones_suggested(client, search_archive):
    for query in ["凤庆", "凤庆", " 凤庆 ", "ＣＯＶＩＤ", "区块链"]:
        client.get("/search/", {"q": query})
    client.get("/search/", {"q": "凤庆", "page": 2})  # paging is not a new search
    html = client.get("/search/").content.decode()
    popular = re.search(r'<p class="popular-searches">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", popular) == ["凤庆", "covid"]


def test_queries_do_not_grow_with_the_archive(client, portal_site):
    def queries_for_search(articles: int) -> int:
        for n in range(articles):
            make_article(portal_site.channels[n % 2], title=f"大理州党建第{n}篇")
        search_index_rebuild()
        client.get("/search/", {"q": "大理"})  # Wagtail's site cache warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/search/", {"q": "大理"}).status_code == 200
        return len(queries)

    small = queries_for_search(5)
    assert queries_for_search(40) == small
    # PostgreSQL: 3 set the planner up (PostgresEngine.reading); finding
    # the newest matches reads the number of articles first (PostgresEngine.newest)
    assert small <= 25


def test_the_channel_filter_lists_published_channels_only(client, search_archive, django_capture_on_commit_callbacks):
    def choices() -> list[str]:
        html = client.get("/search/", {"q": "凤庆"}).content.decode()
        select = re.search(r'<select name="channel"[^>]*>(.*?)</select>', html, re.S).group(1)
        return re.findall(r">([^<]+)</option>", select)

    assert choices()[1:] == [channel.title for channel in search_archive.channels]
    with django_capture_on_commit_callbacks(execute=True):
        search_archive.channels[1].unpublish()
    assert choices()[1:] == [search_archive.channels[0].title]
