"""The banner below an article, on a phone: visible, named by its text, one of several shown,
and a click counted and taken to the banner's link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.banners.models import Banner, BannerClicks
from dangjian.pageviews.tests.fixtures import PHONE_UA
from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.testing.axe import axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 390, "height": 844}


def read_banner(chromium, base_url, article_id):
    # A phone's user agent: headless Chromium's own is on the crawler list, and crawlers' clicks do not count.
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True, is_mobile=True, has_touch=True,
                                   user_agent=PHONE_UA)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base_url}/a/{article_id}/")
    slot = page.locator(".banner-slot")
    slot.scroll_into_view_if_needed()
    visible = [banner.locator("img").get_attribute("alt") for banner in slot.locator(".banner").all() if banner.is_visible()]
    name = slot.get_by_role("link").filter(visible=True).first.get_attribute("href")
    violations = axe_violations(page, ".banner-slot")
    with page.expect_navigation():
        slot.get_by_role("link", name=visible[0]).click()
    landed = page.url
    context.close()
    return visible, name, violations, landed, errors


def test_the_article_banner_is_seen_named_and_clicked(browser, live_server, portal_site):
    article = make_article(portal_site.channels[0], revision=True)
    started = timezone.now() - dt.timedelta(hours=1)
    for n, weight in ((1, 3), (2, 1)):
        Banner.objects.create(name=f"横幅{n}", position=Banner.Position.ARTICLE_BOTTOM, image=make_image(f"横幅{n}", (1000, 200)),
                              alt_text=f"党史学习教育专题{n}", link=f"{live_server.url}/?from=banner{n}", starts_at=started,
                              weight=weight)
    visible, href, violations, landed, errors = browser.run(read_banner, live_server.url, article.pk)
    assert len(visible) == 1 and visible[0].startswith("党史学习教育专题")  # one of the two, drawn by weight
    assert href.startswith("/b/") and violations == [] and errors == []
    number = visible[0][-1]
    assert landed == f"{live_server.url}/?from=banner{number}"
    assert BannerClicks.objects.get(banner__name=f"横幅{number}").clicks == 1
