"""A reader logs in with the phone box on the home page, in Chromium."""

import pytest

from dangjian.demo.services import demo_content_load

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in_from_the_home_page(chromium, base_url, read_code, artifacts):
    page = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(base_url + "/")
    box = page.locator(".login-box")
    box.locator("input[name=phone]").fill("138 0013 8000")
    box.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/login/?phone=*")
    assert page.locator("input[name=phone]").input_value() == "138 0013 8000"
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/login/code/")
    assert "138****8000" in page.locator(".code-sent").inner_text()
    page.fill("input[name=code]", "000000" if read_code() != "000000" else "111111")
    page.get_by_role("button", name="登录").click()
    assert "验证码不正确" in page.locator(".form-errors").inner_text()
    page.fill("input[name=code]", read_code())
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base_url + "/")
    page.goto(base_url + "/me/")
    assert "138****8000" in page.inner_text("main")
    page.screenshot(path=artifacts / "account-phone.png", full_page=True)
    page.close()


def test_a_reader_logs_in_with_phone_and_code(browser, live_server, artifacts, sms_outbox):
    demo_content_load(article_count=3, progress=False)
    browser.run(log_in_from_the_home_page, live_server.url, lambda: sms_outbox()[-1][1], artifacts)
