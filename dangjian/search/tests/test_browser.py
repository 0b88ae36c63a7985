"""Searching as a reader does it, on a phone, in Chromium."""

import pytest

from dangjian.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def reader_searches(chromium, base_url, rural_channel_title, artifacts):
    page = chromium.new_page(viewport=PHONE, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/")
    page.fill("#header-q", "凤庆")
    page.press("#header-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".search-count").inner_text() == "共找到 4 篇文章"
    results = page.locator(".search-results li")
    assert results.count() == 4
    assert results.first.locator("mark").first.inner_text() == "凤庆"
    page.screenshot(path=artifacts / "search-results-phone.png", full_page=True)

    # Filters are folded away on a phone; open them, pick a channel, sort by date.
    page.get_by_text("筛选和排序").click()
    page.select_option("select[name=channel]", label=rural_channel_title)
    page.select_option("select[name=sort]", label="最新发布")
    page.get_by_role("button", name="搜索", exact=True).last.click()
    page.wait_for_url("**channel=*")
    assert page.locator(".search-results li").count() == 2
    assert page.locator(".search-results li .meta span").all_inner_texts() == [rural_channel_title] * 2

    page.locator(".search-results li a.title").first.click()
    page.wait_for_url("**/a/*/")
    assert "凤庆" in page.locator("main").inner_text()

    page.goto(base_url + "/search/?q=" + "%22NEAR(%2A" * 50)
    assert "没有找到" in page.locator("main").inner_text() or "没有可以搜索的文字" in page.locator("main").inner_text()
    assert errors == []
    page.close()


def test_reader_searches_filters_and_opens_a_result(browser, live_server, search_archive, artifacts):
    search_index_rebuild()
    browser.run(reader_searches, live_server.url, search_archive.channels[1].title, artifacts)
