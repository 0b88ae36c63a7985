"""Banners: windows, targeting, weights, the purge at a window's edge, clicks, who manages which."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from dangjian.banners import selectors, services
from dangjian.banners.models import Banner, BannerClicks
from dangjian.cities.models import CityRole
from dangjian.cities.tests.fixtures import city_staff
from dangjian.contributions.tests.fixtures import make_user
from dangjian.core.middleware import page_cache
from dangjian.pageviews.tests.fixtures import PHONE_UA
from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.testing.pagecache import cached_file, stale_copy
from dangjian.testing.wsgi import wsgi_request

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def make_banner(position=Banner.Position.ARTICLE_BOTTOM, **fields) -> Banner:
    values = dict(name=f"横幅{random.random()}", position=position, image=make_image("横幅", (1000, 200)),
                  alt_text="学习贯彻党的二十大精神", link="https://www.example.org/zhuanti/", starts_at=START)
    values.update(fields)
    return Banner.objects.create(**values)


def test_a_banner_shows_exactly_within_its_window(portal_site):
    article = make_article(portal_site.channels[0])
    banner = make_banner(ends_at=START + dt.timedelta(days=7))
    second = dt.timedelta(seconds=1)

    def shown(now):
        return selectors.banners_for(position=banner.position, page=article, now=now) == [banner]

    assert not shown(START - second) and shown(START) and shown(START + dt.timedelta(days=7) - second)
    assert not shown(START + dt.timedelta(days=7))
    Banner.objects.filter(pk=banner.pk).update(active=False)
    assert not shown(START + dt.timedelta(days=1))


def test_targets_reach_their_pages_only(portal_site, two_cities):
    jcdj, xczx = portal_site.channels
    ours, theirs = two_cities
    column = ours.get_children().first().specific
    everywhere, channel_only, city_only = (make_banner(name="全站"), make_banner(name="基层党建栏目", target=jcdj),
                                           make_banner(name="城市", target=ours))
    now = START + dt.timedelta(hours=1)

    def names(page):
        return {b.name for b in selectors.banners_for(position=Banner.Position.ARTICLE_BOTTOM, page=page, now=now)}

    assert names(make_article(jcdj)) == {"全站", "基层党建栏目"}
    assert names(make_article(xczx)) == {"全站"}
    assert names(make_article(column)) == {"全站", "城市"}
    assert names(make_article(theirs.get_children().first().specific)) == {"全站"}
    assert {b.name for b in selectors.banners_for(position=Banner.Position.ARTICLE_BOTTOM, page=None, now=now)} == {"全站"}
    assert channel_only.pk and city_only.pk and everywhere.pk


def test_weights_share_the_views():
    light, heavy = Banner(pk=1, weight=1), Banner(pk=2, weight=3)
    rng = random.Random(20261206)
    draws = [selectors.weighted_choice([heavy, light], rng).pk for _ in range(20000)]
    assert 0.74 < draws.count(2) / len(draws) < 0.76


def test_at_a_windows_end_the_pages_showing_it_are_purged(portal_site, django_capture_on_commit_callbacks):
    article = make_article(portal_site.channels[0], revision=True)
    end = timezone.now() + dt.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        make_banner(starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=end, alt_text="限时横幅")
        services.banner_windows_purge(now=timezone.now())  # the start, already past
    assert "限时横幅" in wsgi_request(article.url)[2].decode()
    assert cached_file(page_cache(), "localhost", article.url) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.banner_windows_purge(now=end - dt.timedelta(seconds=1)) == 0
    assert cached_file(page_cache(), "localhost", article.url) is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.banner_windows_purge(now=end) == 1
    assert cached_file(page_cache(), "localhost", article.url) is None and stale_copy(page_cache(), "localhost", article.url) is None
    # Rendered after its end (the clock of the render is real time, past `end` here only if
    # the test ran that long: check the selector at `end` instead).
    assert selectors.banners_for(position=Banner.Position.ARTICLE_BOTTOM, page=article, now=end) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.banner_windows_purge(now=end + dt.timedelta(minutes=1)) == 0  # each edge once


def test_clicks_count_once_per_visitor_and_go_only_to_the_banners_link(client, portal_site):
    banner = make_banner(starts_at=timezone.now() - dt.timedelta(hours=1))
    for _ in range(3):
        response = client.get(f"/b/{banner.pk}/?next=https://evil.example/", HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="10.5.0.1")
        assert response.status_code == 302 and response["Location"] == "https://www.example.org/zhuanti/"
    client.get(f"/b/{banner.pk}/", HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="10.5.0.2")
    client.get(f"/b/{banner.pk}/", HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)", REMOTE_ADDR="10.5.0.3")
    assert BannerClicks.objects.get(banner=banner).clicks == 2
    no_link = make_banner(link="", starts_at=timezone.now() - dt.timedelta(hours=1))
    ended = make_banner(starts_at=timezone.now() - dt.timedelta(days=2), ends_at=timezone.now() - dt.timedelta(days=1))
    for banner_id in (no_link.pk, ended.pk, 987654, 2**40):
        assert client.get(f"/b/{banner_id}/").status_code == 404, banner_id


def test_a_city_administrator_manages_the_citys_banners_only(client, two_cities, portal_site):
    ours, theirs = two_cities
    mine = make_banner(name="本市横幅", position=Banner.Position.CITY, target=ours)
    other_city = make_banner(name="外市横幅", position=Banner.Position.CITY, target=theirs)
    national = make_banner(name="全国横幅")
    admin = city_staff(ours)[CityRole.ADMIN]
    client.force_login(admin)
    listing = client.get("/admin/banners/").content.decode()
    assert "本市横幅" in listing and "外市横幅" not in listing and "全国横幅" not in listing
    assert client.get(f"/admin/banners/edit/{mine.pk}/").status_code == 200
    for banner in (other_city, national):
        assert client.get(f"/admin/banners/edit/{banner.pk}/").status_code == 404
        assert client.post(f"/admin/banners/delete/{banner.pk}/").status_code == 404
    assert Banner.objects.filter(pk__in=[other_city.pk, national.pk]).count() == 2
    fields = {"name": "新横幅", "position": "city", "image": mine.image_id, "alt_text": "说明", "link": "",
              "starts_at": "2026-12-01 08:00", "ends_at": "", "weight": "1", "active": "on"}
    refused = client.post("/admin/banners/new/", {**fields, "target": str(theirs.pk)})
    assert refused.status_code == 200 and "请选择本市城市频道" in refused.content.decode()
    assert client.post("/admin/banners/new/", {**fields, "target": ""}).status_code == 200  # not the whole site
    assert client.post("/admin/banners/new/", {**fields, "target": str(ours.pk)}).status_code == 302
    assert Banner.objects.filter(name="新横幅", target=ours).exists()
    reviewer = city_staff(ours)[CityRole.FINAL_REVIEW]
    client.force_login(reviewer)
    assert client.get("/admin/banners/").status_code in (302, 403)


def test_the_report_counts_clicks_and_views_and_exports(client, portal_site):
    site_admin = make_user("site-admin", "站点管理员")
    banner = make_banner(starts_at=timezone.now() - dt.timedelta(days=2))
    BannerClicks.objects.create(banner=banner, day=timezone.localdate(), clicks=4)
    client.force_login(site_admin)
    report = client.get("/admin/banners-report/").content.decode()
    assert banner.name in report
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/admin/banners-report/?export=csv").streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == banner.name and rows[1][4] == "4"
    chart = client.get(f"/admin/banners-report/{banner.pk}/").content.decode()
    assert 'data-views="4"' in chart and "每天点击" in chart


def test_the_preview_shows_the_banner_at_its_places_size(rf, portal_site):
    banner = make_banner(position=Banner.Position.CHANNEL_SIDE, alt_text="侧栏横幅说明")
    request = rf.get("/")
    html = banner.serve_preview(request, "").rendered_content
    assert "侧栏横幅说明" in html and "300 × 250" in html and 'href="https://www.example.org/zhuanti/"' in html
