"""The whole life of a city channel in Chromium: an organization applies on a phone, a site
administrator approves, the city's administrator invites an editor and three reviewers, a
contributor submits to a city column, the city's three reviewers approve it, it is live on
the city's pages and in city search, and a national editor recommends it and withdraws it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import TaskState

from dangjian.accounts.roles import SITE_ADMIN
from dangjian.cities.models import CityApplication, CityChannelPage
from dangjian.cities.tests.fixtures import make_pdf
from dangjian.contributions.models import Submission
from dangjian.contributions.tests.fixtures import make_user
from dangjian.contributions.tests.test_browser import session_cookie
from dangjian.portal.models import ChannelPage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
APPLICANT = "13700137000"
# The city's editor and its three reviewers, invited by number.
STAFF = [("13700137001", "编辑/初审"), ("13700137002", "复审"), ("13700137003", "终审")]
TITLE = "中山区“红色物业”让老旧小区焕新颜"


class Visitor:
    """A browser context with its own client address (each sends its own SMS codes, and a
    second send from one address would ask for a captcha)."""

    def __init__(self, chromium, base_url: str, address: str, viewport=PHONE):
        self.base_url = base_url
        self.context = chromium.new_context(viewport=viewport, locale="zh-CN", extra_http_headers={"X-Test-Client": address})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sms_login(self, phone: str, read_code, next_path: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/login/?next={next_path}")
        page.fill("input[name=phone]", phone)
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_url("**/login/code/")
        page.fill("input[name=code]", read_code(phone))
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"**{next_path}")

    def close(self) -> list[str]:
        self.context.close()
        return self.errors


def apply_on_a_phone(chromium, base_url, read_code, letter_path, artifacts):
    visitor = Visitor(chromium, base_url, "192.0.2.10")
    page = visitor.page
    page.goto(base_url + "/")
    page.locator(".cooperation-box").get_by_role("link", name="申请城市频道").click()
    page.wait_for_url("**/login/?next=/city/apply/")
    page.fill("input[name=phone]", APPLICANT)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/login/code/")
    page.fill("input[name=code]", read_code(APPLICANT))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/city/apply/")
    # The number just verified at login is the contact number: no second SMS.
    page.get_by_role("button", name="使用本人手机号 137****7000").click()
    page.wait_for_selector("input[name=organization]")
    assert page.locator("input[name=code]").count() == 0
    page.fill("input[name=organization]", "中共大连市中山区委组织部")
    page.select_option("select[name=province]", label="辽宁省")
    assert page.locator("select[name=city] optgroup[data-province='530000']").is_hidden()
    page.select_option("select[name=city]", label="大连市")
    page.wait_for_selector("select[name=county] option[value='210202']", state="attached")
    page.select_option("select[name=county]", label="中山区")
    page.fill("input[name=contact_name]", "王主任")
    page.set_input_files("input[name=letter]", letter_path)
    page.fill("input[name=channel_name]", "中山党建")
    page.fill("input[name=slug]", "zhongshan")
    page.fill("textarea[name=description]", "大连市中山区基层党建工作动态。")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/city/apply/CS*/")
    assert "待审核" in page.inner_text("main")
    page.screenshot(path=artifacts / "city-application-phone.png", full_page=True)
    return visitor.close()


def admin_logs_in(visitor, username: str) -> None:
    page = visitor.page
    page.goto(visitor.base_url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "x-Long-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def site_admin_approves(chromium, base_url, username, artifacts):
    visitor = Visitor(chromium, base_url, "192.0.2.20", DESKTOP)
    admin_logs_in(visitor, username)
    page = visitor.page
    page.get_by_role("link", name="城市频道申请").first.click()
    page.wait_for_url("**/admin/cities/applications/")
    page.locator("table.city-applications tbody a").first.click()
    page.wait_for_url("**/admin/cities/applications/*/")
    page.screenshot(path=artifacts / "city-application-admin.png", full_page=True)
    page.get_by_role("button", name="批准并开通频道").click()
    page.wait_for_load_state()
    assert "已开通" in page.inner_text("body")
    return visitor.close()


def city_admin_invites_staff(chromium, base_url, read_code, artifacts):
    visitor = Visitor(chromium, base_url, "192.0.2.30", DESKTOP)
    visitor.sms_login(APPLICANT, read_code, "/admin/cities/mine/")
    page = visitor.page
    for phone, role in STAFF:
        page.fill("input[name=phone]", phone)
        page.select_option("select[name=role]", label=role)
        page.get_by_role("button", name="添加", exact=True).click()
        page.wait_for_load_state()
        assert phone[-4:] in page.inner_text("main")
    page.screenshot(path=artifacts / "city-staff.png", full_page=True)
    return visitor.close()


def contributor_submits(chromium, base_url, cookie, column_id):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(base_url + "/contribute/new/")
    page.fill("input[name=title]", TITLE)
    page.select_option("select[name=channel]", value=str(column_id))
    page.locator(".editor-area").click()
    page.keyboard.type("中山区推行红色物业，物业公司成立党支部，解决居民急难愁盼问题。")
    page.locator("input[name=declaration]").check()
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url("**/contribute/")
    state = page.locator(".submission-list li").first.locator(".submission-state").inner_text()
    context.close()
    return state


def reviewer_approves(chromium, base_url, phone, address, read_code):
    visitor = Visitor(chromium, base_url, address, DESKTOP)
    visitor.sms_login(phone, read_code, "/admin/review/")
    page = visitor.page
    row = page.locator("table.review-queue tbody tr").first
    stage = row.locator("td").nth(1).inner_text()
    row.locator("td a").first.click()
    page.wait_for_url("**/admin/pages/*/edit/")
    # The primary button at a review stage; the last stage's reviewers may publish: "批准并发布".
    page.locator("footer").get_by_role("button", name=re.compile(r"^批准")).first.click()
    page.wait_for_load_state()
    visitor.close()
    return stage


def reader_sees(chromium, base_url, paths_and_texts):
    page = chromium.new_page(viewport=PHONE, locale="zh-CN")
    seen = {}
    for path, text in paths_and_texts:
        page.goto(base_url + path)
        seen[path] = text in page.inner_text("main")
    page.close()
    return seen


def national_editor_recommends(chromium, base_url, username, article_id, channel_label, withdraw: bool):
    visitor = Visitor(chromium, base_url, "192.0.2.40", DESKTOP)
    admin_logs_in(visitor, username)
    page = visitor.page
    page.goto(f"{base_url}/admin/pages/{article_id}/edit/")
    page.goto(f"{base_url}/admin/cities/recommend/{article_id}/")
    if withdraw:
        page.get_by_role("button", name="撤回").click()
    else:
        page.select_option("select[name=channel]", label=channel_label)
        page.get_by_role("button", name="推荐到全国栏目").click()
    page.wait_for_load_state()
    return visitor.close()


def test_a_city_channel_from_application_to_recommendation(browser, live_server, portal_site, sms_outbox, settings,
                                                          artifacts, tmp_path):
    settings.CLIENT_IP_META_KEY = "HTTP_X_TEST_CLIENT"
    settings.CONTRIBUTIONS_PER_DAY = 10
    settings.SMS_LIMITS_PHONE = "10/60"  # the applicant logs in twice within a minute

    def read_code(phone: str) -> str:
        return [code for to, code in sms_outbox() if to == "+86" + phone][-1]

    letter = tmp_path / "公函.pdf"
    letter.write_bytes(make_pdf(1))
    assert browser.run(apply_on_a_phone, live_server.url, read_code, str(letter), artifacts) == []
    application = CityApplication.objects.get()
    assert application.region_code == "210202" and application.letter_type == "pdf"

    site_admin = make_user("site-admin", SITE_ADMIN)
    assert browser.run(site_admin_approves, live_server.url, site_admin.username, artifacts) == []
    city = CityChannelPage.objects.get(region_code="210202")
    assert browser.run(city_admin_invites_staff, live_server.url, read_code, artifacts) == []

    contributor = make_user("contributor", real_name="李老师", organization="中山区教育局")
    column = ChannelPage.objects.child_of(city).get(title="工作动态")
    state = browser.run(contributor_submits, live_server.url, session_cookie(contributor, live_server.url), column.pk)
    assert state == "待初审"
    submission = Submission.objects.get()
    assert submission.page.get_parent().pk == column.pk
    stages = [browser.run(reviewer_approves, live_server.url, phone, f"192.0.2.{50 + n}", read_code)
              for n, (phone, _role) in enumerate(STAFF)]
    assert stages == ["初审", "复审", "终审"]
    submission.page.refresh_from_db()
    assert submission.page.live
    approvals = TaskState.objects.filter(workflow_state__object_id=str(submission.page_id), status=TaskState.STATUS_APPROVED)
    assert sorted(approvals.values_list("finished_by__phone", flat=True)) == ["+86" + phone for phone, _role in STAFF]
    User = get_user_model()
    assert all(User.objects.get(phone="+86" + phone).phone_verified for phone, _role in STAFF)

    article = submission.page
    seen = browser.run(reader_sees, live_server.url, [
        (city.url, TITLE), (column.url, TITLE), ("/city/", "1 篇文章"), (f"/search/?q=红色物业&channel={city.pk}", TITLE),
    ])
    assert all(seen.values()), seen

    national = portal_site.channels[1]
    assert browser.run(national_editor_recommends, live_server.url, site_admin.username, article.pk, national.title, False) == []
    seen = browser.run(reader_sees, live_server.url, [(national.url, TITLE), (national.url, "来自：中山党建")])
    assert all(seen.values()), seen
    assert browser.run(national_editor_recommends, live_server.url, site_admin.username, article.pk, national.title, True) == []
    assert browser.run(reader_sees, live_server.url, [(national.url, TITLE)]) == {national.url: False}
