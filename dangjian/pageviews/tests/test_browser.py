"""View counts and hot lists as readers and editors see them, in Chromium."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dangjian.demo.services import demo_content_load
from dangjian.pageviews.selectors import article_views
from dangjian.pageviews.services import pageviews_flush
from dangjian.portal.models import ArticlePage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
# Headless Chromium says "HeadlessChrome", which the crawler list rightly does not count.
PHONE_UA = "Mozilla/5.0 (Linux; Android 13; V2244A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"


@pytest.fixture
def demo_site():
    demo_content_load(article_count=12, progress=False)
    get_user_model().objects.create_superuser("chief", password="x-Long-password-1")


def shown_views(page) -> int:
    return int(page.locator(".meta [data-views]").inner_text())


def read_article_twice(chromium, base_url, article_id, artifacts):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", user_agent=PHONE_UA)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with page.expect_response(lambda r: "/pv/" in r.url) as beacon:
        page.goto(f"{base_url}/a/{article_id}/")
    assert beacon.value.status == 200
    in_html = int(beacon.value.json()["views"]) - 1
    expect(page.locator(".meta [data-views]")).to_have_text(str(in_html + 1))  # no eval: the page's CSP forbids it
    page.screenshot(path=artifacts / "article-views-phone.png")
    # The same reader again within the window: the count does not move.
    with page.expect_response(lambda r: "/pv/" in r.url) as again:
        page.reload()
    assert again.value.json() == {"views": in_html + 1, "counted": False}
    assert shown_views(page) == in_html + 1
    assert errors == []
    context.close()
    return in_html


def staff_reads_article(chromium, base_url, article_id):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", user_agent=PHONE_UA)
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", "x-Long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    with page.expect_response(lambda r: "/pv/" in r.url) as beacon:
        page.goto(f"{base_url}/a/{article_id}/")
    answer = beacon.value.json()
    context.close()
    return answer


def test_a_reader_counts_once_and_sees_the_new_count_staff_do_not_count(browser, live_server, demo_site, artifacts):
    article = ArticlePage.objects.live().order_by("-first_published_at").first()
    before = article_views(article)
    in_html = browser.run(read_article_twice, live_server.url, article.pk, artifacts)
    assert in_html == before
    assert browser.run(staff_reads_article, live_server.url, article.pk) == {"views": before + 1, "counted": False}
    pageviews_flush()
    assert article_views(ArticlePage.objects.get(pk=article.pk)) == before + 1


def switch_hot_list_tabs(chromium, base_url, artifacts):
    page = chromium.new_page(viewport=PHONE, locale="zh-CN")
    page.goto(base_url + "/")
    hot = page.locator(".hot-list")
    hot.scroll_into_view_if_needed()
    assert hot.locator(".hot-24h").is_visible() and not hot.locator(".hot-7d").is_visible()
    first_24h = hot.locator(".hot-24h li").first.inner_text()
    hot.get_by_text("总榜").click()
    assert hot.locator(".hot-all").is_visible() and not hot.locator(".hot-24h").is_visible()
    assert hot.locator(".hot-all li").count() == 10
    page.screenshot(path=artifacts / "hot-list-phone.png", full_page=True)
    hot.locator(".hot-all li a").first.click()
    page.wait_for_load_state()
    assert "/a/" in page.url
    page.close()
    return first_24h


def test_hot_list_tabs_work_without_a_script_library(browser, live_server, demo_site, artifacts):
    assert browser.run(switch_hot_list_tabs, live_server.url, artifacts)


def editor_opens_the_chart(chromium, base_url, article_id, artifacts):
    page = chromium.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(base_url + "/admin/login/")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", "x-Long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{base_url}/admin/pages/{article_id}/edit/")
    page.locator("#w-slim-header-buttons").get_by_role("button", name="操作").click()  # the page's "…" menu
    page.locator("#w-slim-header-buttons").get_by_role("link", name="浏览量").click()
    page.wait_for_url(f"**/admin/pageviews/article/{article_id}/")
    bars = page.locator("svg rect.bar")
    assert bars.count() == 90
    heights = [float(bars.nth(n).get_attribute("height")) for n in range(90)]
    assert max(heights) > 0
    page.screenshot(path=artifacts / "admin-article-views.png", full_page=True)
    page.close()


def test_an_editor_sees_the_chart_from_the_article(browser, live_server, demo_site, artifacts):
    article = ArticlePage.objects.live().order_by("-first_published_at").first()
    browser.run(editor_opens_the_chart, live_server.url, article.pk, artifacts)
