"""One address trying to inflate an article's count: forged cookies, rotating user agents,
bursts across a minute boundary, an IPv6 /64's many addresses. On the embedded buffer and,
with REDIS_URL, on Redis."""

from __future__ import annotations

import itertools
import secrets

import pytest

from dangjian.pageviews import beacon
from dangjian.pageviews.tests.fixtures import PHONE_UA
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db

AGENTS = (f"{PHONE_UA} build/{n}" for n in itertools.count())  # a new user agent for every beacon
START = 1_800_000_000 - 0.5  # half a second before a minute boundary (1_800_000_000 = 30,000,000 minutes)


@pytest.fixture
def article(portal_site):
    return make_article(portal_site.channels[0], initial_views=0)


def hit(article, *, ip: str, now: float, cookie: str = "", user_agent: str = PHONE_UA) -> tuple[int, bool]:
    status, _headers, body = beacon.answer(page_id=article.pk, method="POST", cookie=cookie, ip=ip, user_agent=user_agent,
                                           host="localhost", now=now)
    return status, status == 200 and b'"counted": true' in body


def attack(article, *, ips, times) -> list[tuple[int, bool]]:
    """Beacons with a new user agent and no valid cookie each (a forged cookie is dropped by
    answer_request before answer sees it), from the given addresses at the given times."""
    return [hit(article, ip=ip, now=now, user_agent=next(AGENTS)) for ip, now in zip(ips, times, strict=True)]


def test_one_address_adds_at_most_the_hourly_cap_to_one_article(article, settings):
    settings.PAGEVIEWS_ADDRESS_HOURLY, settings.PAGEVIEWS_RATE_LIMIT = 20, 1000
    # 300 beacons over the first minute boundary, then 300 spread over the rest of the hour.
    times = [START + n / 300 for n in range(300)] + [START + 1 + n * 11.9 for n in range(300)]
    results = attack(article, ips=["198.51.100.7"] * 600, times=times)
    assert sum(counted for _status, counted in results) == 20
    assert all(status == 200 for status, _counted in results)
    # An hour after the first views, the address may add views again, one by one as they age.
    later = attack(article, ips=["198.51.100.7"] * 3, times=[START + 3600.01, START + 3600.02, START + 3600.03])
    assert sum(counted for _status, counted in later) == 3
    # Another article from the same address is counted on its own.
    other = make_article(article.get_parent().specific, title="另一篇文章", initial_views=0)
    assert hit(other, ip="198.51.100.7", now=START + 10)[1]


def test_an_ipv6_subscriber_is_one_address(article, settings):
    settings.PAGEVIEWS_ADDRESS_HOURLY = 5
    ips = [f"2001:db8:5:6:{secrets.randbits(16):x}:{secrets.randbits(16):x}::{n + 1:x}" for n in range(50)]
    results = attack(article, ips=ips, times=[START + n for n in range(50)])
    assert sum(counted for _status, counted in results) == 5
    assert hit(article, ip="2001:db8:5:7::1", now=START + 60)[1]  # the next /64 is someone else


def test_the_rate_limit_slides_across_the_minute_boundary(article, settings):
    settings.PAGEVIEWS_RATE_LIMIT, settings.PAGEVIEWS_ADDRESS_HOURLY = 50, 10_000
    # 50 beacons in the last half second of one minute, 50 in the first half second of the next.
    times = [START + n / 100 for n in range(100)]
    statuses = [status for status, _counted in attack(article, ips=["203.0.113.5"] * 100, times=times)]
    assert statuses.count(200) == 50 and statuses[50:].count(429) == 50
    # Refused beacons count too, so the window stays full through the next minute.
    assert hit(article, ip="203.0.113.5", now=START + 61)[0] == 429
    assert hit(article, ip="203.0.113.5", now=START + 125)[0] == 200


def test_forged_and_altered_cookies_count_as_none(article, settings):
    from dangjian.testing.wsgi import wsgi_request

    settings.PAGEVIEWS_ADDRESS_HOURLY = 1000
    issued = beacon.signed_visitor(secrets.token_hex(16))
    forged = [secrets.token_hex(16), f"{secrets.token_hex(16)}.{secrets.token_hex(16)}", issued[:-1] + ("0" if issued[-1] != "0" else "1")]
    answers = []
    for cookie in forged * 5:  # the same phone and browser, a new made-up cookie each time
        _status, headers, body = wsgi_request(f"/pv/{article.pk}", method="POST", remote_addr="192.0.2.44", user_agent=PHONE_UA,
                                              cookie=f"{beacon.VISITOR_COOKIE}={cookie}")
        answers.append((b'"counted": true' in body, "Set-Cookie" in headers))
    assert answers[0] == (True, True)
    assert answers[1:] == [(False, True)] * 14  # counted once, by address and browser; each gets a real cookie
