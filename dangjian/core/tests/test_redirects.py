"""Every redirect target taken from a request stays on the site: the code reads `next` only
through safe_next, and each view that reads it is tried with targets elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

OFFSITE = ["//evil.example", "https://evil.example/x", "/%5Cevil.example", "javascript:alert(1)", "/\\evil.example",
           "http:evil.example", "https:/evil.example"]
PACKAGE = Path(__file__).resolve().parents[2]


def source_lines():
    for path in PACKAGE.rglob("*.py"):
        if "tests" not in path.parts and "migrations" not in path.parts:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                yield f"{path.relative_to(PACKAGE)}:{number}", line


def test_the_code_reads_next_only_through_safe_next():
    unchecked_redirects = [where for where, line in source_lines() if "redirect(request." in line]
    assert unchecked_redirects == []
    reads = [(where, line) for where, line in source_lines() if re.search(r"""(GET|POST|GET\.get|POST\.get)\W+["']next["']""", line)]
    assert reads, "no view reads next: this test would check nothing"
    assert [where for where, line in reads if "safe_next(" not in line] == []


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE)
def test_phone_login_goes_home_instead_of_elsewhere(target, sms_outbox):
    from dangjian.accounts.tests.test_login import sent_code

    client = Client()
    client.post(f"/login/?next={quote(target)}", {"phone": "13800138000", "next": target}, REMOTE_ADDR="10.8.8.8")
    response = client.post("/login/code/", {"code": sent_code(sms_outbox)}, REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFFSITE)
def test_admin_password_login_stays_on_the_site(target):
    get_user_model().objects.create_superuser("chief", password="x-Long-password-1")
    response = Client().post(f"/admin/login/?next={quote(target)}", {"username": "chief", "password": "x-Long-password-1", "next": target})
    assert response.status_code == 302 and response["Location"].startswith("/") and not response["Location"].startswith("//")
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_a_target_on_the_site_is_kept(sms_outbox):
    from dangjian.accounts.tests.test_login import sent_code

    client = Client()
    client.post("/login/", {"phone": "13800138000", "next": "/contribute/"}, REMOTE_ADDR="10.8.8.9")
    assert client.post("/login/code/", {"code": sent_code(sms_outbox)}, REMOTE_ADDR="10.8.8.9")["Location"] == "/contribute/"
