"""Password login limits for staff, the profile, a copy of my data, deleting my account."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

from dangjian.accounts.models import LoginRecord
from dangjian.accounts.services import login_record_add

pytestmark = pytest.mark.django_db


def admin_login(client, username, password, ip="10.1.1.1"):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_from_one_address_are_stopped_with_a_clear_message(client, settings):
    from dangjian.accounts.tests.fixtures import captcha_answer

    settings.GUESS_LIMITS_IP = "5/900"
    get_user_model().objects.create_superuser("chief", password="x-Long-password-1")
    for _ in range(5):
        wrong = client.post("/admin/login/", {"username": "chief", "password": "wrong", **captcha_answer()}, REMOTE_ADDR="10.1.1.1")
        assert wrong.status_code == 200 and "本网络" not in wrong.content.decode()
    stopped = client.post("/admin/login/", {"username": "chief", "password": "x-Long-password-1", **captcha_answer()},
                          REMOTE_ADDR="10.1.1.1")
    assert stopped.status_code == 200 and "本网络输入错误密码的次数过多" in stopped.content.decode()
    results = list(LoginRecord.objects.order_by("created_at").values_list("result", flat=True))
    assert results[-1] == "locked" and "success" not in results
    # The owner, from their own network, is not locked out.
    assert client.post("/admin/login/", {"username": "chief", "password": "x-Long-password-1", **captcha_answer()},
                       REMOTE_ADDR="10.2.1.1").status_code == 302


def test_a_right_password_logs_in_and_is_recorded(client):
    get_user_model().objects.create_superuser("chief", password="x-Long-password-1")
    assert admin_login(client, "chief", "x-Long-password-1").status_code == 302
    assert LoginRecord.objects.get().result == "success"


def test_profile_edit_export_and_delete(client):
    user = get_user_model().objects.create_user(
        "reader", phone="+8613800138000", phone_verified=True, real_name="王小明", organization="红星村党支部",
    )
    login_record_add(identifier=user.phone, method="sms", result="success", ip="10.2.2.2", user_agent="UA", user=user)
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert "138****8000" in page and "王小明" in page
    assert client.post("/me/", {"display_name": "小明", "real_name": "王小明", "organization": "红星村党支部"}).status_code == 200
    export = client.get("/me/export/")
    data = json.loads(export.content)
    assert export["Content-Disposition"].startswith("attachment")
    assert data["mobile_number"] == "+8613800138000" and data["real_name"] == "王小明" and data["display_name"] == "小明"
    assert data["login_records"][0]["ip"] == "10.2.2.2"
    assert client.post("/me/delete/", {"confirm": "yes"}).status_code == 200
    user.refresh_from_db()
    assert not user.is_active and user.phone is None and user.real_name == "" and user.organization == ""
    # Nothing in any table still holds the number or the real name.
    for model in apps.get_models():
        table = model._meta.db_table
        text_columns = [f.column for f in model._meta.local_concrete_fields if f.get_internal_type() in ("CharField", "TextField")]
        for column in text_columns:
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" LIKE %s OR "{column}" LIKE %s OR "{column}" LIKE %s',
                    ["%13800138000%", "%王小明%", "%138****8000%"],
                )
                assert cursor.fetchone()[0] == 0, (table, column)
    assert client.get("/me/").status_code == 302  # logged out


def test_changing_the_number_needs_codes_from_the_new_and_the_old_number(client, sms_outbox):
    user = get_user_model().objects.create_user("reader", phone="+8613800138000", phone_verified=True)
    get_user_model().objects.create_user("other", phone="+8613700137000")
    client.force_login(user)
    assert client.post("/me/phone/", {"phone": "13900139000"}, REMOTE_ADDR="10.3.0.1").status_code == 302
    codes = dict(sms_outbox())
    assert set(codes) == {"+8613900139000", "+8613800138000"}
    page = client.post("/me/phone/", {"new_code": codes["+8613900139000"], "old_code": "000000" if codes["+8613800138000"] != "000000" else "111111"})
    assert "验证码不正确" in page.content.decode()
    user.refresh_from_db()
    assert user.phone == "+8613800138000"
    # The wrong entry did not kill the codes (one of five); the right pair moves the account.
    full_width = "".join(chr(ord(digit) - ord("0") + ord("０")) for digit in codes["+8613800138000"])
    done = client.post("/me/phone/", {"new_code": codes["+8613900139000"], "old_code": full_width})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.phone == "+8613900139000" and user.phone_verified
