"""In Chromium: a contributor writes and submits on a phone; a reviewer finds it in the
queue and approves it; and a published submission full of script-injection vectors runs
none of them."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from dangjian.contributions.models import Submission

from .fixtures import submit
from .injection import HOOK_DIALOGS, frames_report
from .test_photos import jpeg_with_gps
from .test_sanitize import _fired, vector
from .xss_vectors import VECTORS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def session_cookie(user, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


def contributor_submits(chromium, base_url, cookie, photo_path, artifacts):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/contribute/")
    page.locator("main").get_by_role("link", name="我要投稿").click()
    page.wait_for_url("**/contribute/new/")
    page.fill("input[name=title]", "县教育局举办“红烛先锋”党课")
    page.select_option("select[name=channel]", label="基层党建")
    editor = page.locator(".editor-area")
    assert page.locator("textarea[name=body]").is_hidden()  # the editor replaced it
    editor.click()
    page.keyboard.type("全县中小学党员教师参加培训。")
    page.keyboard.press("Enter")
    page.keyboard.type("重点内容")
    page.keyboard.press("Shift+Home")
    page.get_by_role("button", name="加粗").click()
    assert page.locator(".repost-fields").is_hidden()
    page.get_by_role("radio", name="转载").check()
    assert page.locator(".repost-fields").is_visible()
    page.get_by_role("radio", name="原创").check()
    page.set_input_files("input[name=new_photos]", photo_path)
    page.get_by_role("button", name="提交审核").click()
    # The declaration is not ticked: a message, and what was written is still there.
    page.wait_for_load_state()
    assert "提交前请阅读并勾选声明。" in page.inner_text("main")
    assert "全县中小学党员教师参加培训。" in page.locator(".editor-area").inner_text()
    page.set_input_files("input[name=new_photos]", photo_path)  # browsers never refill a file input
    page.locator("input[name=declaration]").check()
    page.get_by_role("button", name="提交审核").click()
    # Saved, but not submitted until the photo has a caption (its alt text).
    page.wait_for_url(re.compile(r"/contribute/\d+/$"))
    assert "请为每张照片写上图片说明" in page.inner_text("main")
    page.get_by_label("图片说明").fill("全县党员教师培训现场")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url("**/contribute/")
    item = page.locator(".submission-list li").first
    assert item.locator(".submission-state").inner_text() == "待初审"
    page.screenshot(path=artifacts / "contribution-submitted-phone.png", full_page=True)
    context.close()
    return errors


def reviewer_approves(chromium, base_url, username, artifacts):
    page = chromium.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(base_url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "x-Long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(base_url + "/admin/review/")
    row = page.locator("table.review-queue tbody tr").first
    assert row.locator("td").nth(1).inner_text() == "初审"
    page.screenshot(path=artifacts / "review-queue.png", full_page=True)
    row.locator("td a").first.click()
    page.wait_for_url("**/admin/pages/*/edit/")
    page.locator("footer").get_by_role("button", name="批准", exact=True).click()  # the primary button at a review stage
    page.wait_for_load_state()
    page.close()


def test_a_contributor_submits_on_a_phone_and_a_reviewer_approves(browser, live_server, newsroom, portal_site, artifacts, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_with_gps())
    errors = browser.run(contributor_submits, live_server.url, session_cookie(newsroom.contributor, live_server.url), str(photo), artifacts)
    assert errors == []
    submission = Submission.objects.get()
    body = submission.page.get_latest_revision_as_object().body
    assert "<b>重点内容</b>" in str(body[0].value)
    assert [block.block_type for block in body] == ["text", "image"]
    browser.run(reviewer_approves, live_server.url, newsroom.first.username, artifacts)
    submission.page.refresh_from_db()
    assert submission.page.current_workflow_task.name == "复审"


def published_pages_run_nothing(chromium, base_url: str, article_ids: list[int]):
    """Every published article in a frame of its own, watched as the control is (the
    article's markup, every element of its body clicked); and the text of each body."""
    page = chromium.new_page()
    page.add_init_script(HOOK_DIALOGS)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    frames = "".join(f'<iframe src="{base_url}/a/{pk}/" width="400" height="300"></iframe>' for pk in article_ids)
    page.route(base_url + "/frames", lambda route: route.fulfill(status=200, content_type="text/html", body=f"<!DOCTYPE html><body>{frames}</body>"))
    page.goto(base_url + "/frames")
    page.wait_for_load_state("load")
    texts = [frame.inner_text(".article-body") for frame in page.frames[1:]]
    fired, dom_problems = frames_report(page, dom_selector="article *", click_selector=".article-body *")
    page.close()
    return fired, dom_problems, texts


@pytest.mark.one_backend  # the stored text is the sanitizer's output on either database
def test_xss_vectors_through_the_real_form_run_nowhere_on_the_published_page(browser, live_server, newsroom, portal_site, settings):
    """Each vector in the body (and in the fields shown around it) of its own submission, sent
    through the public form, approved through 三审, read on the published page."""
    settings.CONTRIBUTIONS_PER_DAY = 1000
    raw = [vector(n) for n in range(len(VECTORS))]
    assert len(raw) >= 100
    fired, _dom = browser.run(_fired, raw)
    assert len(fired) >= 50  # the control: the same vectors, unsanitized, do run
    client = Client()
    pages = []
    for n, html in enumerate(raw):
        response, submission = submit(client, newsroom.contributor, portal_site.channels[0], **{
            "title": f"向量{n + 1}{html}"[:120], "body": f"<p>向量{n + 1}开始：{html}</p><p>第{n + 1}篇结束</p>",
            "author": html[:100], "organization": html[:100], "origin": "repost", "source_name": html[:100],
            "source_url": f"https://example.com/?q={quote(html)}"[:500], "original_author": html[:100], "original_title": html[:255],
        })
        assert response.status_code == 302, response.content.decode()[:3000]
        for reviewer in newsroom.stages:
            task_state = submission.page.current_workflow_task_state
            task_state.task.specific.on_action(task_state, reviewer, "approve")
        pages.append(submission.page_id)
    fired, dom_problems, texts = browser.run(published_pages_run_nothing, live_server.url, pages)
    assert (fired, dom_problems) == (set(), [])
    assert len(texts) == len(raw)
    for n, text in enumerate(texts):
        assert f"向量{n + 1}开始：" in text, text  # published, with the text around the vector
