"""The view beacon: what counts, what does not, and what it answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from dangjian.pageviews import beacon as beacon_module
from dangjian.pageviews.buffer import get_buffer
from dangjian.pageviews.buffer.redis import RedisBuffer
from dangjian.pageviews.models import FlushBatch, ViewTotal
from dangjian.pageviews.services import pageviews_flush
from dangjian.pageviews.tests.fixtures import PHONE_UA, new_visitor, send_beacon
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(portal_site):
    return make_article(portal_site.channels[0], initial_views=223254)


def stored(article) -> int:
    pageviews_flush()
    return ViewTotal.objects.filter(page_id=article.pk).values_list("views", flat=True).first() or 0


def nothing_buffered() -> bool:
    return get_buffer().is_empty()


def test_a_view_counts_on_top_of_the_starting_count_and_the_answer_shows_it(article, client):
    status, answer, cookie = send_beacon(article.pk)
    assert status == 200 and answer == {"views": 223255, "counted": True}
    visitor, _, signature = cookie.partition(".")  # the first-party visitor cookie, signed
    assert len(visitor) == 32 and cookie == beacon_module.signed_visitor(visitor)
    assert stored(article) == 1
    page = client.get(f"/a/{article.pk}/").content.decode()
    assert "<span data-views>223255</span>" in page  # readers without script see the stored count


def test_one_visitor_counts_once_per_window_then_again_after_it(article, settings):
    settings.PAGEVIEWS_DEDUP_SECONDS = 1800
    start = 1_800_000_000  # the buffer keeps time by the caller's clock: explicit times, no waiting

    def counted(visitor: str, seconds: float) -> bool:
        status, _headers, body = beacon_module.answer(page_id=article.pk, method="POST", cookie=visitor, ip="10.1.2.3",
                                                      user_agent=PHONE_UA, host="localhost", now=start + seconds)
        assert status == 200
        return json.loads(body)["counted"]

    visitor, other = (new_visitor().partition(".")[0] for _ in range(2))
    assert counted(visitor, 0) is True
    assert [counted(visitor, seconds) for seconds in (1, 900, 1799)] == [False] * 3
    assert counted(other, 10) is True  # someone else
    assert counted(visitor, 1800) is True  # the window has ended
    assert counted(visitor, 1801) is False  # and a new one begins
    assert stored(article) == 3


def test_a_visitor_without_cookie_is_not_counted_again_once_it_has_one(article):
    first = send_beacon(article.pk)
    assert first[1]["counted"] is True
    # The same phone again: first still without the cookie (same IP and browser), then with it.
    assert send_beacon(article.pk)[1]["counted"] is False
    assert send_beacon(article.pk, visitor=first[2])[1]["counted"] is False
    # The same address with another browser is another visitor.
    assert send_beacon(article.pk, user_agent=PHONE_UA + " other")[1]["counted"] is True
    assert stored(article) == 2


def test_the_visitor_hash_keeps_no_ip_address(article):
    send_beacon(article.pk, ip="203.0.113.77")
    buffer = get_buffer()
    if isinstance(buffer, RedisBuffer):
        stored = b" ".join(buffer.client.scan_iter(match=buffer.prefix + "*"))
    else:
        stored = b"".join(Path(name).read_bytes() for name in (buffer.path, buffer.path + "-wal") if Path(name).exists())
    assert b"seen" in stored and b"203.0.113.77" not in stored and b"203.0.113" not in stored


@pytest.mark.parametrize("user_agent", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "curl/8.5.0",
    "",
])
def test_crawlers_previews_and_monitors_do_not_count(article, user_agent):
    status, answer, _cookie = send_beacon(article.pk, user_agent=user_agent, visitor=new_visitor())
    assert status == 200 and answer == {"views": 223254, "counted": False}
    assert stored(article) == 0


def test_staff_do_not_count_and_readers_with_a_session_do(article, client):
    staff = get_user_model().objects.create_superuser("editor", password="x-Long-password-1")
    client.force_login(staff)
    response = client.post(f"/pv/{article.pk}", HTTP_USER_AGENT=PHONE_UA)
    assert response.status_code == 200 and response.json() == {"views": 223254, "counted": False}
    reader = get_user_model().objects.create_user("reader", password="x-Long-password-1")
    client.force_login(reader)
    response = client.post(f"/pv/{article.pk}", HTTP_USER_AGENT=PHONE_UA)
    assert response.json() == {"views": 223255, "counted": True}
    assert stored(article) == 1


def test_previews_carry_no_beacon(article, client):
    preview = article.make_preview_request().content.decode()
    assert "data-views-url" not in preview and "beacon" not in preview
    live = client.get(f"/a/{article.pk}/").content.decode()
    assert f'data-views-url="/pv/{article.pk}"' in live and "pageviews/beacon" in live


@pytest.mark.parametrize("case", ["unknown", "draft", "unpublished", "channel", "deleted"])
def test_only_published_articles_count_others_answer_404_and_store_nothing(portal_site, case, django_capture_on_commit_callbacks):
    channel = portal_site.channels[0]
    if case == "unknown":
        page_id = 987654
    elif case == "draft":
        page_id = make_article(channel, publish=False, revision=True).pk
    elif case == "channel":
        page_id = channel.pk
    else:
        article = make_article(channel, revision=True)
        page_id = article.pk
        assert send_beacon(page_id)[0] == 200  # the beacon's memo now knows it as published
        with django_capture_on_commit_callbacks(execute=True):  # the purge that follows a commit
            article.unpublish() if case == "unpublished" else article.delete()
        pageviews_flush()  # a deleted article's views are dropped here
        ViewTotal.objects.all().delete()
        FlushBatch.objects.all().delete()
        get_buffer().clear()
    status, answer, cookie = send_beacon(page_id, visitor=new_visitor())
    assert status == 404 and cookie is None
    assert nothing_buffered()
    assert pageviews_flush() == 0 and not ViewTotal.objects.exists() and not FlushBatch.objects.exists()


@pytest.mark.parametrize("path", ["/pv/abc", "/pv/0", "/pv/1/2", "/pv/99999999999999999999", "/pv/-1", "/pv/%00"])
def test_malformed_beacon_paths_count_nothing_and_never_fail(portal_site, path):
    from dangjian.testing.wsgi import wsgi_request

    status, _headers, _body = wsgi_request(path, method="POST", user_agent=PHONE_UA)
    assert status[:3] in ("301", "404")  # 301: Django's slash-appending, then 404
    assert nothing_buffered()


def test_beacons_accept_post_only_and_refuse_other_sites(article):
    assert send_beacon(article.pk, method="GET")[0] == 405
    assert send_beacon(article.pk, method="PUT")[0] == 405
    assert send_beacon(article.pk, origin="https://evil.example")[0] == 403
    assert send_beacon(article.pk, sec_fetch_site="cross-site")[0] == 403
    assert send_beacon(article.pk, sec_fetch_site="same-site")[0] == 403  # another subdomain
    assert send_beacon(article.pk, origin="null")[0] == 403  # a sandboxed frame, a data: page
    assert send_beacon(article.pk, origin="http://localhost")[0] == 200
    assert stored(article) == 1


def test_over_the_rate_limit_the_answer_is_429_and_nothing_counts(article, settings):
    settings.PAGEVIEWS_RATE_LIMIT = 5
    answers = [send_beacon(article.pk, visitor=new_visitor(), ip="198.51.100.9")[0] for _ in range(8)]
    assert answers == [200] * 5 + [429] * 3
    assert send_beacon(article.pk, visitor=new_visitor(), ip="198.51.100.10")[0] == 200  # another address
    assert stored(article) == 6


def test_a_trusted_proxy_header_names_the_client(article, settings):
    settings.PAGEVIEWS_RATE_LIMIT = 2
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    statuses = [send_beacon(article.pk, visitor=new_visitor(), ip="127.0.0.1", x_real_ip=f"10.0.0.{n % 3}")[0] for n in range(6)]
    assert statuses == [200] * 6  # three clients behind the proxy, two each



@pytest.mark.parametrize("cookie", ["not-hex", "<script>alert(1)</script>", "0" * 31, "0" * 33, "'; DROP TABLE seen; --",
                                    "0" * 32, "0" * 32 + "." + "0" * 32])
def test_a_malformed_visitor_cookie_counts_as_none_and_is_replaced(article, cookie):
    status, answer, new_cookie = send_beacon(article.pk, visitor=cookie)
    assert status == 200 and answer["counted"] is True and new_cookie and new_cookie != cookie
