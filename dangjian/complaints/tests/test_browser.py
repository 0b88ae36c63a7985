"""The whole procedure in Chromium: a rights holder files a complaint on a phone from the
article's copyright notice; the chief editor takes the article down; readers get the
notice page and find it nowhere; the contributor answers with a counter-notice from their
account; the chief editor restores it; the complainant follows the case to its end."""

from __future__ import annotations

import pytest

from dangjian.cities.tests.fixtures import make_pdf
from dangjian.cities.tests.test_browser import DESKTOP, PHONE, Visitor, admin_logs_in
from dangjian.complaints.models import Complaint
from dangjian.contributions.models import Submission
from dangjian.contributions.tests.fixtures import make_user
from dangjian.contributions.tests.test_browser import session_cookie
from dangjian.pageviews.selectors import article_views
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
COMPLAINANT = "13911223344"
TITLE = "茶乡党支部带领群众增收"


def complainant_files(chromium, base_url, article_id, read_code, evidence_path, artifacts):
    visitor = Visitor(chromium, base_url, "192.0.2.70", PHONE)
    page = visitor.page
    page.goto(f"{base_url}/a/{article_id}/")
    assert page.locator(".copyright a[href^='mailto:']").inner_text() == "tousu@example.com"
    page.locator(".copyright").get_by_role("link", name="在线侵权投诉").click()
    page.wait_for_url("**/complaint/")
    page.fill("input[name=phone]", COMPLAINANT)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector("textarea[name=urls]")
    page.locator("input[name=kind][value=person]").check()
    page.fill("input[name=name]", "张摄影")
    page.fill("input[name=email]", "zhang@example.com")
    page.fill("input[name=address]", "云南省临沧市凤庆县某路 3 号")
    page.fill("input[name=work_title]", "《茶乡春色》组照")
    page.fill("textarea[name=urls]", f"{base_url}/a/{article_id}/")
    page.fill("textarea[name=description]", "文章使用了我拍摄的三张照片，未经许可。")
    page.set_input_files("input[name=files]", evidence_path)
    page.locator("input[name=good_faith]").check()
    page.fill("input[name=code]", read_code(COMPLAINANT))
    page.get_by_role("button", name="提交投诉").click()
    page.wait_for_url("**/complaint/case/TS*/")
    text = page.inner_text("main")
    page.screenshot(path=artifacts / "complaint-filed-phone.png", full_page=True)
    visitor.close()
    return text


def editor_decides(chromium, base_url, username, button, artifacts, shot):
    visitor = Visitor(chromium, base_url, "192.0.2.71", DESKTOP)
    admin_logs_in(visitor, username)
    page = visitor.page
    page.get_by_role("link", name="侵权投诉 (1)" if button == "下架" else "侵权投诉").first.click()
    page.wait_for_url("**/admin/complaints/")
    page.locator("table tbody a").first.click()
    page.wait_for_url("**/admin/complaints/*/")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    page.screenshot(path=artifacts / shot, full_page=True)
    return text, visitor.close()


def listed(body: str, article) -> bool:
    return TITLE in body or f"/a/{article.pk}/" in body  # the sitemap lists URLs


def reader_visits(chromium, base_url, paths):
    page = chromium.new_page(viewport=PHONE, locale="zh-CN")
    seen = {}
    for path in paths:
        response = page.goto(base_url + path)
        seen[path] = (response.status, page.inner_text("body"))
    page.close()
    return seen


def uploader_answers(chromium, base_url, cookie, evidence_path, artifacts):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(base_url + "/me/")
    page.get_by_role("link", name="查看投诉并提交反通知").click()
    page.wait_for_url("**/complaint/counter/TS*/")
    shown = page.inner_text("main")
    page.fill("textarea[name=statement]", "照片由本单位通讯员拍摄，附原始文件。")
    page.set_input_files("input[name=files]", evidence_path)
    page.get_by_role("button", name="提交反通知").click()
    page.wait_for_url("**/me/")
    page.screenshot(path=artifacts / "complaint-counter-notice.png", full_page=True)
    context.close()
    return shown


def complainant_follows(chromium, base_url, number, read_code):
    visitor = Visitor(chromium, base_url, "192.0.2.72", PHONE)
    page = visitor.page
    page.goto(base_url + "/complaint/case/")
    page.fill("input[name=number]", number)
    page.fill("input[name=phone]", COMPLAINANT)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/complaint/case/")
    page.fill("input[name=code]", read_code(COMPLAINANT))
    page.get_by_role("button", name="查看案件").click()
    page.wait_for_url(f"**/complaint/case/{number}/")
    text = page.inner_text("main")
    visitor.close()
    return text


def test_a_complaint_from_the_notice_to_the_restore(browser, live_server, portal_site, sms_outbox, settings, artifacts,
                                                    tmp_path):
    settings.CLIENT_IP_META_KEY = "HTTP_X_TEST_CLIENT"
    settings.SMS_LIMITS_PHONE = "10/60"  # the complainant gets a code to file and one to follow

    def read_code(phone: str) -> str:
        return [code for to, code in sms_outbox() if to == "+86" + phone][-1]

    evidence = tmp_path / "照片原图.pdf"
    evidence.write_bytes(make_pdf(2))
    chief = make_user("chief", "终审/总编辑")
    contributor = make_user("contributor", real_name="李通讯员")
    article = make_article(portal_site.channels[0], revision=True, title=TITLE, owner=contributor)
    Submission.objects.create(page=article, contributor=contributor, contact_phone="13800138000")
    views = article_views(article)
    channel = portal_site.channels[0].url
    readers_pages = [f"/a/{article.pk}/", "/", channel, "/feed/", "/sitemap.xml", "/search/?q=茶乡党支部"]
    seen = browser.run(reader_visits, live_server.url, readers_pages)
    assert all(listed(body, article) for status, body in seen.values()), seen

    filed = browser.run(complainant_files, live_server.url, article.pk, read_code, str(evidence), artifacts)
    complaint = Complaint.objects.get()
    assert complaint.number in filed and "待处理" in filed and "请记下案件编号" in filed and complaint.files.count() == 1

    text, errors = browser.run(editor_decides, live_server.url, chief.username, "下架", artifacts, "complaint-taken-down.png")
    assert errors == [] and "已下架" in text
    seen = browser.run(reader_visits, live_server.url, readers_pages)
    assert seen[f"/a/{article.pk}/"][0] == 410 and "该内容因权利人投诉已暂停显示" in seen[f"/a/{article.pk}/"][1]
    assert not any(listed(body, article) for path, (status, body) in seen.items() if path != f"/a/{article.pk}/"), seen

    shown = browser.run(uploader_answers, live_server.url, session_cookie(contributor, live_server.url), str(evidence), artifacts)
    assert "未经许可" in shown and "张摄影" not in shown and COMPLAINANT not in shown
    text, errors = browser.run(editor_decides, live_server.url, chief.username, "恢复文章", artifacts, "complaint-restored.png")
    assert errors == [] and "已恢复" in text and "照片由本单位通讯员拍摄" in text
    seen = browser.run(reader_visits, live_server.url, readers_pages)
    assert all(status == 200 and listed(body, article) for status, body in seen.values()), seen
    article.refresh_from_db()
    assert article.live and article_views(article) == views

    case = browser.run(complainant_follows, live_server.url, complaint.number, read_code)
    assert "已恢复" in case and TITLE in case
