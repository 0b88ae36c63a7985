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


TITLE = "浏览器里写的新文章：社区党员志愿服务队成立"


class Actions:
    """Counts what an editor does: each click, each field filled, each file chosen. Every
    request the admin makes is recorded, to show it asks nothing of another host."""

    def __init__(self, page, base_url: str):
        self.page, self.count, self.outside = page, 0, []
        page.on("request", lambda request: None if request.url.startswith((base_url, "data:", "blob:")) else self.outside.append(request.url))

    def __call__(self, locator_action, *args):
        self.count += 1
        locator_action(*args)


def writes_from_the_dashboard_and_submits(chromium, base_url, cookie, photo_path, artifacts):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    act = Actions(page, base_url)
    page.goto(base_url + "/admin/")
    act(page.get_by_role("link", name="写到 基层党建").click)
    page.wait_for_url("**/admin/pages/add/portal/articlepage/*/")
    act(page.fill, "#id_title", TITLE)
    act(page.fill, "#id_summary", "社区党员志愿服务队正式成立。")
    # The body opens with a paragraph ready to type in.
    act(page.locator("#body-root [contenteditable=true]").first.click)
    page.wait_for_function("document.activeElement && document.activeElement.isContentEditable")
    # insert_text is how an input method commits Chinese text (no key events per character).
    act(page.keyboard.insert_text, "周末，社区党员志愿服务队在小区广场正式成立。")
    act(page.get_by_role("button", name="选择一个图片").click)  # the cover photo, uploaded with its alt text
    modal = page.locator(".modal")
    act(modal.get_by_role("tab", name="上传").click)
    act(modal.locator("input[type=file]").set_input_files, photo_path)
    page.wait_for_function("document.querySelector('.modal input[name$=\"-title\"]').value === '志愿服务队'")  # from the file name
    act(modal.get_by_label("图片说明（替代文字）").fill, "社区党员志愿者在小区广场合影")
    act(modal.get_by_role("button", name="上传").click)
    page.wait_for_selector(".modal", state="detached")
    page.screenshot(path=artifacts / "admin-writing.png", full_page=True)
    act(page.locator("footer").get_by_role("button", name=re.compile("^提交")).click)
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))  # back to the channel's articles
    messages = page.locator(".messages").inner_text()
    context.close()
    return act.count, act.outside, messages


ADMIN_PAGES = ["/admin/", "/admin/pages/", "/admin/images/", "/admin/images/add/", "/admin/documents/", "/admin/reports/site-history/",
               "/admin/reports/workflow/", "/admin/account/", "/admin/review/"]


def final_reviewer_publishes(chromium, base_url, cookie, artifacts):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    act = Actions(page, base_url)
    page.goto(base_url + "/admin/review/")
    act(page.locator("table.review-queue tbody tr td a").first.click)
    page.wait_for_url("**/admin/pages/*/edit/")
    act(page.locator("footer").get_by_role("button", name="批准并发布").click)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts / "admin-after-publish.png")
    for path in ADMIN_PAGES:  # what else the day takes: nothing asked of another host either
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    page.goto(base_url + "/")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_load_state()
    shown = (page.url, page.locator(".article-body").inner_text(), page.locator('meta[property="og:image"]').get_attribute("content"))
    context.close()
    return act.count, act.outside, shown


def publishes_someone_elses_draft(chromium, base_url, cookie, edit_path):
    """发布 on a draft another editor wrote, not through 三审: dismissed, then accepted."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.goto(base_url + edit_path)
    publish = page.locator("footer").get_by_role("button", name="发布", exact=True)
    publish.click()
    # Not submitted: Wagtail turns the label into 发布中… the moment a click goes through.
    stayed = publish.inner_text().strip() == "发布" and page.url.endswith(edit_path)
    publish.click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    context.close()
    return asked, stayed


def test_an_editor_writes_from_the_dashboard_and_the_final_reviewer_publishes(
    browser, live_server, demo_site, artifacts, tmp_path
):
    from wagtail.models import TaskState

    from dangjian.accounts.roles import FINAL_REVIEW, FIRST_REVIEW, SECOND_REVIEW
    from dangjian.contributions.tests.fixtures import make_user
    from dangjian.contributions.tests.test_browser import session_cookie
    from dangjian.demo.images import make_picture
    from dangjian.portal.models import ArticlePage
    from dangjian.portal.tests.fixtures import make_article

    editor, second, final = make_user("editor", FIRST_REVIEW), make_user("second", SECOND_REVIEW), make_user("final", FINAL_REVIEW)
    photo = tmp_path / "志愿服务队.jpg"
    photo.write_bytes(make_picture(5, (1200, 800)))
    actions, outside, messages = browser.run(writes_from_the_dashboard_and_submits, live_server.url,
                                             session_cookie(editor, live_server.url), str(photo), artifacts)
    print(f"writing and submitting took {actions} actions")
    assert actions <= 12 and outside == [], (actions, outside)
    article = ArticlePage.objects.get(title=TITLE)
    assert article.cover_image.description == "社区党员志愿者在小区广场合影" and "已创建并提交审核" in messages
    for reviewer in (editor, second):  # 初审 and 复审, as those reviewers do in the admin
        TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress").specific.approve(user=reviewer)

    actions, outside, (url, body, og_image) = browser.run(final_reviewer_publishes, live_server.url, session_cookie(final, live_server.url), artifacts)
    assert actions == 2 and outside == [], (actions, outside)
    article.refresh_from_db()
    assert article.live and url.endswith(f"/a/{article.pk}/")
    assert "周末，社区党员志愿服务队在小区广场正式成立。" in body and og_image.endswith(".jpg")

    draft = make_article(ArticlePage.objects.get(pk=article.pk).get_parent().specific, publish=False, revision=True, owner=editor,
                         title="另一位编辑的草稿")
    asked, stayed = browser.run(publishes_someone_elses_draft, live_server.url, session_cookie(final, live_server.url),
                                f"/admin/pages/{draft.pk}/edit/")
    assert asked == ["这篇文章是别人写的，还没有经过三审。确定直接发布吗？"] * 2 and stayed
    draft.refresh_from_db()
    assert draft.live  # published on the second answer, and only then
