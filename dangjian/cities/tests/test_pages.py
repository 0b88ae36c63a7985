"""The public side of city channels: the directory, a city's home and columns, articles in
them, recommendations to national channels, and what publishing there purges."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.cities import regions, services
from dangjian.cities.models import CityChannelPage, Recommendation
from dangjian.cities.tests.fixtures import make_city
from dangjian.contributions.tests.fixtures import make_user
from dangjian.core.tests.test_pagecache import Snapshot
from dangjian.pageviews.services import hot_lists_refresh, views_apply
from dangjian.portal.models import ChannelPage
from dangjian.portal.tests.fixtures import make_article
from dangjian.testing.wsgi import wsgi_request

pytestmark = pytest.mark.django_db


def columns(city: CityChannelPage) -> list[ChannelPage]:
    return list(ChannelPage.objects.child_of(city).order_by("path"))


def html(url: str) -> str:
    status, _headers, body = wsgi_request(url)
    assert status == "200 OK", (url, status)
    return body.decode()


@pytest.fixture
def cities(two_cities, django_capture_on_commit_callbacks):
    shenyang, lincang = two_cities
    dalian = make_city(region_code="210200", title="大连党建")
    with django_capture_on_commit_callbacks(execute=True):  # the directory's counts are taken after commits
        make_article(columns(shenyang)[0], revision=True, title="沈阳社区党建新做法")
        make_article(columns(shenyang)[1], revision=True, title="沈阳基层风采")
        make_article(columns(lincang)[0], revision=True, title="临沧边境党建")
    return shenyang, lincang, dalian


def test_the_directory_groups_cities_by_province_with_their_article_counts(cities):
    shenyang, lincang, dalian = cities
    page = html("/city/")
    assert page.index("辽宁省") < page.index(shenyang.title) < page.index("云南省") < page.index(lincang.title)
    assert page.index(dalian.title) < page.index("云南省")
    assert f'href="{shenyang.url}"' in page and "2 篇文章" in page and "1 篇文章" in page and "0 篇文章" in page
    found = wsgi_request("/city/", query="q=" + quote("临沧"))[2].decode()
    assert lincang.title in found and shenyang.title not in found
    hostile = wsgi_request("/city/", query="q=" + quote("<script>alert(1)</script>"))[2].decode()
    assert "没有找到" in hostile and "<script>alert(1)" not in hostile


def test_a_city_home_shows_its_header_columns_and_latest_articles_only(cities, portal_site):
    shenyang, lincang, _dalian = cities
    make_article(portal_site.channels[0], revision=True, title="全国栏目的文章")
    page = html(shenyang.url)
    assert shenyang.organization in page and "本市党建工作动态" in page
    assert all(column.title in page for column in columns(shenyang))
    assert "沈阳社区党建新做法" in page and "沈阳基层风采" in page
    assert "临沧边境党建" not in page and "全国栏目的文章" not in page
    # The national home page keeps to the national channels' articles.
    home = html("/")
    assert "全国栏目的文章" in home and "沈阳社区党建新做法" not in home


def test_a_city_article_and_column_carry_the_citys_breadcrumb(cities):
    shenyang, _lincang, _dalian = cities
    column = columns(shenyang)[0]
    page = html(column.url)
    assert page.index("城市频道") < page.index(shenyang.title) < page.index(f'aria-current="page">{column.title}')
    article = column.get_children().live().specific().first()
    page = html(article.url)
    assert "来自：" in page and f'href="{shenyang.url}"' in page
    assert page.index(shenyang.title) < page.index(column.title)


def _render_queries(url: str) -> int:
    """Queries of a render once values kept until the next purge are kept (the second)."""
    from dangjian.core.middleware import page_cache

    for _ in range(2):
        page_cache().remove_all()
        with CaptureQueriesContext(connection) as queries:
            assert wsgi_request(url)[0] == "200 OK"
    return len(queries)


def test_city_pages_cost_the_same_queries_at_3_and_300_cities(cities):
    shenyang, _lincang, _dalian = cities
    urls = ["/city/", shenyang.url, columns(shenyang)[0].url]
    before = [_render_queries(url) for url in urls]
    # 297 more cities, each with its columns and an article: pages only, as provisioning
    # would leave them (groups and workflows do not show on these pages).
    directory = shenyang.get_parent()
    codes = [city.code for province in regions.provinces() for city in regions.children_of(province.code)]
    for code in [code for code in codes if code not in ("210100", "530900", "210200")][:297]:
        city = directory.add_child(instance=CityChannelPage(title=f"城市{code}", slug=f"c{code}", region_code=code,
                                                            region_name=regions.full_name(code), organization="组织部"))
        column = city.add_child(instance=ChannelPage(title="工作动态", slug="gzdt"))
        make_article(column)
    make_article(columns(shenyang)[0], revision=True)
    assert CityChannelPage.objects.count() == 300
    assert [_render_queries(url) for url in urls] == before


def test_publishing_in_a_city_refreshes_its_pages_and_the_directory_not_the_nation(cities, portal_site,
                                                                                   django_capture_on_commit_callbacks):
    shenyang, lincang, _dalian = cities
    column = columns(shenyang)[0]
    urls = ["/city/", shenyang.url, column.url, lincang.url, columns(lincang)[0].url, portal_site.channels[0].url]
    snapshot = Snapshot(urls)
    with django_capture_on_commit_callbacks(execute=True):
        make_article(column, revision=True, title="沈阳刚发布的文章", first_published_at=None)
    after = snapshot.after()
    assert {url for url, what in after.items() if what == "stale"} == {"/city/", shenyang.url, column.url}
    assert "沈阳刚发布的文章" in html(shenyang.url) and "3 篇文章" in html("/city/")
    article = column.get_children().live().specific().get(title="沈阳刚发布的文章")
    snapshot = Snapshot(["/city/", shenyang.url])
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert snapshot.after()["/city/"] == "stale"
    assert "2 篇文章" in html("/city/")


def test_a_recommended_city_article_appears_in_the_national_channel_until_withdrawn(cities, portal_site,
                                                                                   django_capture_on_commit_callbacks):
    shenyang, _lincang, _dalian = cities
    national = portal_site.channels[1]
    article = columns(shenyang)[0].get_children().live().specific().first()
    editor = make_user("national-editor")
    snapshot = Snapshot([national.url, f"{national.url}feed/", shenyang.url])
    with django_capture_on_commit_callbacks(execute=True):
        services.recommendation_add(article=article, channel=national, user=editor)
    after = snapshot.after()
    assert after[national.url] == "stale" and after[f"{national.url}feed/"] == "stale" and after[shenyang.url] == "untouched"
    page = html(national.url)
    assert f'href="/a/{article.pk}/"' in page and f"来自：{shenyang.title}" in page
    assert f"/a/{article.pk}/" in html(f"{national.url}feed/")
    assert html(article.url).count(f'href="{shenyang.url}"') >= 1  # still the city's breadcrumb
    # It ranks in the channel's hot lists too, once read.
    views_apply(batch_id="recommended", increments={(article.pk, int(time.time() // 3600)): 25})
    with django_capture_on_commit_callbacks(execute=True):
        hot_lists_refresh()
    hot = html(national.url)
    assert f'href="/a/{article.pk}/"' in hot[hot.index('class="box hot-list"'):]
    with pytest.raises(services.CityError):
        services.recommendation_add(article=article, channel=columns(shenyang)[1], user=editor)
    national_article = make_article(portal_site.channels[0], revision=True)
    with pytest.raises(services.CityError):
        services.recommendation_add(article=national_article, channel=national, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.recommendation_withdraw(recommendation=Recommendation.objects.get(), user=editor)
    assert f'href="/a/{article.pk}/"' not in html(national.url)
    from wagtail.models import PageLogEntry

    assert list(PageLogEntry.objects.filter(page=article, action__startswith="cities.").values_list("action", flat=True)
                .order_by("timestamp")) == ["cities.recommend", "cities.recommend_withdraw"]
