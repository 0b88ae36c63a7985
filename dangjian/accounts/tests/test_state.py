"""The account as cached pages show it: the login hint cookie and the state endpoint."""

from __future__ import annotations

import pytest
from django.test import Client

from dangjian.accounts.hint import HINT_COOKIE
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def test_the_hint_follows_the_session_whichever_way_the_reader_logged_in_or_out(portal_site):
    client = Client()
    assert HINT_COOKIE not in client.get("/").cookies  # anonymous, no session: nothing set
    user = make_user("hinted")
    client.force_login(user)
    response = client.get(make_article(portal_site.channels[0]).url)
    hint = response.cookies[HINT_COOKIE]
    assert hint.value == "1" and not hint["httponly"] and hint["samesite"] == "Lax"
    assert HINT_COOKIE not in client.get("/").cookies  # already there: not sent again
    client.post("/logout/")
    assert client.cookies[HINT_COOKIE].value == ""  # deleted with the logout's answer
    # A hint left by a session that ended elsewhere (log out everywhere) is removed too.
    client.cookies[HINT_COOKIE] = "1"
    assert client.get("/").cookies[HINT_COOKIE]["max-age"] == 0


def test_the_state_names_the_reader_and_gives_a_working_logout(portal_site):
    client = Client(enforce_csrf_checks=True)
    state = client.get("/me/state/")
    assert state.json() == {"logged_in": False} and state["Cache-Control"].startswith("max-age=0")
    user = make_user("reader", display_name="<b>老王</b>")
    client.force_login(user)
    state = client.get("/me/state/").json()
    assert state["greeting"] == "您好，<b>老王</b>"  # text: the page's script puts it in with textContent
    assert state["links"] == [{"label": "我的账号", "url": "/me/"}, {"label": "我的投稿", "url": "/contribute/"}]
    assert client.post("/logout/").status_code == 403  # the CSRF check holds
    response = client.post(state["logout"]["url"], {"csrfmiddlewaretoken": state["logout"]["csrf"]})
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_a_reader_without_a_display_name_is_greeted_by_the_masked_number(portal_site):
    client = Client()
    user = make_user("numbered")
    client.force_login(user)
    assert client.get("/me/state/").json()["greeting"] == f"您好，{user.phone[3:6]}****{user.phone[-4:]}"


def test_the_captcha_is_large_described_asks_with_a_times_sign_and_can_be_replaced(db):
    from captcha.models import CaptchaStore

    from dangjian.accounts.forms import PhoneForm

    html = str(PhoneForm(with_captcha=True)["captcha"])
    assert 'alt="图片中的算术题"' in html and 'width="240" height="80"' in html
    assert 'inputmode="numeric"' in html and ">看不清，换一张</button>" in html
    challenges = set()
    for _ in range(60):
        challenges.add(CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key()).challenge)
    assert any("×" in c for c in challenges) and not any("*" in c for c in challenges)
    refreshed = Client().get("/captcha/refresh/", headers={"X-Requested-With": "XMLHttpRequest"}).json()
    assert CaptchaStore.objects.filter(hashkey=refreshed["key"]).exists() and refreshed["image_url"].endswith(f"{refreshed['key']}/")
