"""What a reader sees, in a real browser, on a phone and on a desktop."""

import re

import pytest

from dangjian.demo.services import demo_content_load

# Committed data, so the live server's thread sees it; serialized_rollback puts back what
# Wagtail's migrations made (root page, collection, locale) after each test's flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
ARTICLE_ELEMENTS = [
    (".site-name", "site name"),
    (".site-description", "site description"),
    (".breadcrumb", "channel breadcrumb"),
    (".article-head h1", "title"),
    (".meta .views", "view count"),
    (".meta .published", "publish time"),
    (".article-body", "body"),
    (".byline", "byline"),
    (".copyright", "copyright notice"),
    (".share", "save to phone / share"),
    (".banner-slot", "banner"),
    (".login-box", "login box"),
    (".cooperation-box", "channel cooperation"),
    (".footer-filings .icp", "ICP filing"),
    (".footer-filings .police", "public security filing"),
]


@pytest.fixture
def demo_site():
    demo_content_load(article_count=12, progress=False)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def read_home_then_article(chromium, base_url, viewport, artifacts, device):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(base_url + "/")
    assert page.locator(".site-name").inner_text().strip() == "基层党建网"
    assert page.locator(".headlines .title").first.is_visible()
    assert page.get_by_text("热点排行").is_visible()
    assert page.locator(".footer-filings .icp").is_visible()
    assert no_horizontal_overflow(page), "home page scrolls sideways"
    page.screenshot(path=artifacts / f"home-{device}.png", full_page=True)

    page.locator(".headlines .title").first.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").split("/")[-2] == "a"
    tops = []
    for selector, name in ARTICLE_ELEMENTS:
        element = page.locator(selector).first
        element.scroll_into_view_if_needed()
        assert element.is_visible(), f"{name} is not visible"
        tops.append(element.bounding_box()["y"] + page.evaluate("window.scrollY"))
    assert tops == sorted(tops), "the reference page's elements are out of order"
    views = page.locator(".meta .views").inner_text()
    assert views.startswith("浏览") and views.endswith("次")
    assert page.locator(".meta .published time").inner_text().count(":") == 1  # YYYY-MM-DD HH:MM
    assert "3 日内" in page.locator(".copyright").inner_text()
    assert page.locator(".footer-filings .icp").get_attribute("href") == "https://beian.miit.gov.cn/"
    assert no_horizontal_overflow(page), "article page scrolls sideways"
    header = page.locator(".site-header").bounding_box()
    assert header["x"] == 0 and header["width"] == viewport["width"], "header does not span the screen"
    body_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)")
    assert body_size >= 18, "article text too small for elderly readers"

    page.locator(".share-copy").click()
    # A locator's wait, not wait_for_function: the page's CSP forbids the eval that needs.
    page.locator(".share-status").filter(has_text=re.compile(r"\S")).wait_for()
    page.screenshot(path=artifacts / f"article-{device}.png", full_page=True)
    assert errors == []
    context.close()


@pytest.mark.one_backend
@pytest.mark.parametrize("device", VIEWPORTS)
def test_reader_sees_home_and_article_with_every_element(browser, live_server, demo_site, artifacts, device):
    browser.run(read_home_then_article, live_server.url, VIEWPORTS[device], artifacts, device)


def open_missing_page(chromium, url):
    page = chromium.new_page()
    response = page.goto(url)
    assert response.status == 404
    assert page.get_by_text("您访问的页面不存在").is_visible()
    page.close()


def test_chinese_404_in_the_browser(browser, live_server, demo_site):
    browser.run(open_missing_page, live_server.url + "/a/999999/")


def write_and_publish_in_the_admin(chromium, base_url, channel_id, artifacts):
    page = chromium.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(base_url + "/admin/login/")
    assert "登录" in page.content()
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-Passw0rd")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base_url}/admin/pages/add/portal/articlepage/{channel_id}/")
    page.fill("#id_title", "浏览器里写的新文章：社区党员志愿服务队成立")
    page.fill("#id_summary", "社区党员志愿服务队正式成立。")
    page.get_by_role("button", name="选择一个图片").click()  # the cover photo
    page.locator(".modal [data-chooser-modal-choice]").first.click()
    page.locator("#body-root .c-sf-add-button").first.click()
    page.get_by_role("option", name="正文段落").click()
    editor = page.locator("#body-root [contenteditable=true]").first
    editor.click()
    page.wait_for_function("document.activeElement && document.activeElement.isContentEditable")
    # insert_text is how an input method commits Chinese text (no key events per character).
    page.keyboard.insert_text("周末，社区党员志愿服务队在小区广场正式成立。")
    page.wait_for_function(
        "document.querySelector('#body-root input[name=\"body-0-value\"]').value.includes('志愿服务队')"
    )
    page.fill("#id_byline_organization", "某社区党委")
    page.fill("#id_byline_author", "王记者")
    page.locator("footer [data-w-dropdown-target=toggle]").last.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_load_state("networkidle")
    assert "/admin/pages/add/" not in page.url, page.locator(".messages").inner_text()
    page.screenshot(path=artifacts / "admin-after-publish.png")

    page.goto(base_url + "/")
    page.get_by_role("link", name="浏览器里写的新文章：社区党员志愿服务队成立").first.click()
    page.wait_for_load_state()
    assert "/a/" in page.url
    assert "周末，社区党员志愿服务队在小区广场正式成立。" in page.locator(".article-body").inner_text(), page.locator(".article-body").inner_html()
    assert "某社区党委" in page.locator(".byline").inner_text()
    assert page.locator('meta[property="og:image"]').get_attribute("content").endswith(".jpg")
    page.close()


def test_editor_writes_and_publishes_an_article_with_a_photo_in_the_admin(
    browser, live_server, demo_site, artifacts, django_user_model
):
    from dangjian.portal.models import ChannelPage

    django_user_model.objects.create_superuser(username="editor", password="a-long-Passw0rd")
    channel = ChannelPage.objects.get(slug="jcdj")
    browser.run(write_and_publish_in_the_admin, live_server.url, channel.pk, artifacts)
