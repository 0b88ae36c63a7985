"""Applying for a city channel through the public pages, and deciding in the admin."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dangjian.accounts.roles import SITE_ADMIN
from dangjian.accounts.tests.fixtures import captcha_answer
from dangjian.cities.models import CityApplication, CityChannelPage, CityRole
from dangjian.cities.tests.fixtures import make_city, make_pdf
from dangjian.contributions.tests.fixtures import make_user

PHONE = "13700137000"


@pytest.fixture
def applying(portal_site, sms_outbox, client):
    """A logged-in reader past step one: the contact number was sent a code."""
    user = make_user("applicant")
    client.force_login(user)
    response = client.post(reverse("cities:apply"), {"step": "phone", "phone": PHONE})
    assert response.status_code == 302 and response["Location"] == reverse("cities:apply")
    code = [code for phone, code in sms_outbox() if phone == "+86" + PHONE][-1]
    return user, code


def letter(content: bytes = b"", name: str = "公函.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or make_pdf(2), content_type="application/octet-stream")


def form(code: str, **overrides) -> dict:
    data = {
        "organization": "中共大连市委组织部", "province": "210000", "city": "210200", "county": "",
        "contact_name": "王主任", "code": code, "letter": letter(), "channel_name": "大连党建", "slug": "dalian",
        "description": "大连市基层党建工作动态。",
    }
    data.update(overrides)
    return data


def refused(client, data) -> str:
    """Posts the application; it must be refused with the form shown again and nothing stored."""
    before = CityApplication.objects.count()
    response = client.post(reverse("cities:apply"), data)
    assert response.status_code == 200
    assert CityApplication.objects.count() == before
    return response.content.decode()


def test_an_application_is_stored_with_a_reference_and_a_private_letter(applying, client):
    user, code = applying
    assert "验证码已发送到" in client.get(reverse("cities:apply")).content.decode()
    response = client.post(reverse("cities:apply"), form(code, county="210202"))
    application = CityApplication.objects.get(applicant=user)
    assert response.status_code == 302 and response["Location"] == reverse("cities:application", args=[application.reference])
    assert application.region_code == "210202" and application.region_name == "辽宁省大连市中山区"
    assert application.contact_phone == "+86" + PHONE and application.status == CityApplication.Status.PENDING
    stored = Path(application.letter.path)
    assert stored.is_file() and stored.read_bytes().startswith(b"%PDF-")
    assert not stored.is_relative_to(Path(django_settings.MEDIA_ROOT))  # nginx serves MEDIA_ROOT to anyone
    page = client.get(response["Location"]).content.decode()
    assert application.reference in page and "待审核" in page
    assert application.reference in client.get(reverse("accounts:profile")).content.decode()
    # A second application while this one is open: the form sends them to the open one.
    assert client.get(reverse("cities:apply"))["Location"] == reverse("cities:application", args=[application.reference])


def _png(size=(800, 1100)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return out.getvalue()


def test_letters_are_checked_by_what_they_are(applying, client):
    _user, code = applying
    assert "必须是 PDF、JPEG 或 PNG" in refused(client, form(code, letter=letter(b"<html><script>alert(1)</script>", "公函.pdf")))
    assert "必须是 PDF、JPEG 或 PNG" in refused(client, form(code, letter=letter(b"GIF89a" + bytes(100), "scan.png")))
    assert "超过 10 MB" in refused(client, form(code, letter=letter(b"%PDF-" + bytes(10 * 1024 * 1024), "big.pdf")))
    assert "已损坏" in refused(client, form(code, letter=letter(b"%PDF-1.7\n garbage", "broken.pdf")))
    assert "设置了密码" in refused(client, form(code, letter=letter(make_pdf(1, password="x"), "locked.pdf")))
    assert "超过 20 页" in refused(client, form(code, letter=letter(make_pdf(21), "long.pdf")))
    assert "已损坏或不完整" in refused(client, form(code, letter=letter(_png()[:200], "cut.png")))
    # A real scan as PNG, whatever its name says, is accepted.
    response = client.post(reverse("cities:apply"), form(code, letter=letter(_png(), "扫描件.pdf")))
    assert response.status_code == 302
    assert CityApplication.objects.get().letter_type == "png"


def test_regions_taken_or_unknown_and_wrong_codes_are_refused(applying, client):
    _user, code = applying
    make_city(region_code="210200")
    assert "辽宁省大连市已有城市频道" in refused(client, form(code))
    assert "请选择频道所在的省份和城市" in refused(client, form(code, city="999999"))
    assert "请选择频道所在的省份和城市" in refused(client, form(code, province="530000", city="210300"))
    assert "请选择频道所在的省份和城市" in refused(client, form(code, city="210300", county="530102"))
    assert "请选择频道所在的省份和城市" in refused(client, form(code, province="", city=""))
    assert "验证码不正确" in refused(client, form("000000", city="210300"))
    assert "只能使用小写字母、数字和连字符" in refused(client, form(code, city="210300", slug="大连"))
    assert "不能使用" in refused(client, form(code, city="210300", slug="apply"))
    # The right code after all those refusals still works: a refusal does not use it up.
    assert client.post(reverse("cities:apply"), form(code, city="210300", slug="anshan"))["Location"].startswith("/city/apply/CS")


def test_one_open_application_per_region(applying, client, sms_outbox):
    other = make_user("other-applicant")
    client.force_login(other)
    client.post(reverse("cities:apply"), {"step": "phone", "phone": "13700137001"}, REMOTE_ADDR="192.0.2.1")
    other_code = sms_outbox()[-1][1]
    assert client.post(reverse("cities:apply"), form(other_code))["Location"].startswith("/city/apply/CS")
    user, code = applying
    client.force_login(user)
    client.post(reverse("cities:apply"), {"step": "phone", "phone": PHONE}, REMOTE_ADDR="192.0.2.2")
    code = sms_outbox()[-1][1]
    assert "已有一份申请正在审核" in refused(client, form(code, slug="dalian2"))


def test_applications_are_limited_per_account_and_per_network(portal_site, sms_outbox, client, settings):
    settings.CITY_APPLICATION_LIMITS_NETWORK = "2/86400"
    regions = iter(["210200", "210300", "210400", "210500"])

    def apply_from(address: str, n: int):
        user = make_user("applicant")
        client.force_login(user)
        phone = f"1370013{n:04d}"
        # From its second code on, an address (an IPv6 /64 as a whole) answers the captcha.
        client.post(reverse("cities:apply"), {"step": "phone", "phone": phone, **captcha_answer()}, REMOTE_ADDR=address)
        code = sms_outbox()[-1][1]
        return client.post(reverse("cities:apply"), form(code, city=next(regions), slug=f"c{n}"), REMOTE_ADDR=address)

    # Two addresses of one IPv6 /64 are one network.
    assert apply_from("2001:db8:1:2::1", 1).status_code == 302
    assert apply_from("2001:db8:1:2:ffff:ffff:ffff:ffff", 2).status_code == 302
    response = apply_from("2001:db8:1:2:abcd::9", 3)
    assert response.status_code == 200 and "申请过多" in response.content.decode()
    assert CityApplication.objects.count() == 2
    assert apply_from("2001:db8:1:3::1", 4).status_code == 302


def test_logging_in_is_needed_to_apply(portal_site, client):
    response = client.get(reverse("cities:apply"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_site_admins_approve_or_reject_and_only_they_see_the_letter(applying, client):
    user, code = applying
    client.post(reverse("cities:apply"), form(code))
    application = CityApplication.objects.get()
    letter_url = reverse("cities_application_letter", args=[application.pk])
    detail_url = reverse("cities_application", args=[application.pk])
    city_admin = make_user("someone-elses-city-admin")
    make_city(region_code="530900", admin=city_admin)
    for outsider in (user, city_admin):
        client.force_login(outsider)
        assert client.get(letter_url).status_code in (302, 403)
        assert client.get(detail_url).status_code in (302, 403)
        assert client.post(detail_url, {"action": "approve"}).status_code in (302, 403)
    application.refresh_from_db()
    assert application.status == CityApplication.Status.PENDING
    client.logout()
    assert client.get(letter_url).status_code == 302  # to the login

    admin = make_user("site-admin", SITE_ADMIN)
    client.force_login(admin)
    listing = client.get(reverse("cities_applications")).content.decode()
    assert application.reference in listing and "数据日期 2022-03-22" in listing
    response = client.get(letter_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    # A reason is required to reject; then approval provisions the city.
    page = client.post(detail_url, {"action": "reject", "reason": "  "}).content.decode()
    assert "请填写原因" in page
    assert client.post(detail_url, {"action": "approve"}).status_code == 302
    application.refresh_from_db()
    city = CityChannelPage.objects.get(region_code="210200")
    assert application.status == CityApplication.Status.APPROVED and application.city_id == city.pk
    assert user.groups.filter(city_group__city=city, city_group__role=CityRole.ADMIN).exists()
    assert "已经审核过了" in client.post(detail_url, {"action": "approve"}).content.decode()
    client.force_login(user)
    page = client.get(reverse("cities:application", args=[application.reference])).content.decode()
    assert "已通过" in page and city.url in page


def test_a_rejection_reaches_the_applicant_with_its_reason(applying, client, settings, django_capture_on_commit_callbacks):
    user, code = applying
    client.post(reverse("cities:apply"), form(code))
    application = CityApplication.objects.get()
    client.force_login(make_user("site-admin", SITE_ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cities_application", args=[application.pk]), {"action": "reject", "reason": "公函未盖章，请补充后重新申请。"})
    application.refresh_from_db()
    assert application.status == CityApplication.Status.REJECTED
    # Told by SMS too (the console backend writes what a provider's template would carry).
    sent = (settings.DATA_DIR / "sms.log").read_text().splitlines()[-1].split("\t")
    assert sent[1] == "+86" + PHONE and f"您的城市频道申请 {application.reference}：已驳回" in sent[2]
    client.force_login(user)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "已驳回" in profile
    assert "公函未盖章" in client.get(reverse("cities:application", args=[application.reference])).content.decode()
    # Rejected, the region is free again.
    assert client.get(reverse("cities:apply")).status_code == 200


def test_a_provider_without_a_notice_template_sends_no_notice(portal_site, settings):
    from dangjian.accounts.services import sms_notice_send

    settings.SMS_BACKEND = "aliyun"  # no request is made: there is no template to fill
    settings.SMS_CITY_RESULT_TEMPLATE_ID = ""
    assert sms_notice_send(phone="+8613700137000", template_id="", params={"reference": "CS1", "result": "已通过"}, text="x") is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_applications_for_one_region_store_one(portal_site):
    """Eight applicants submit for the same region at the same moment: one is stored, the
    others are told the region is being reviewed (the database's constraint decides)."""
    import threading

    from django.db import connection

    from dangjian.cities import services
    from dangjian.core.scans import scan_clean

    applicants = [make_user(f"racer{n}") for n in range(8)]
    letter = scan_clean(make_pdf(1))
    barrier, outcomes = threading.Barrier(len(applicants)), []

    def submit(n: int):
        try:
            content = services.ApplicationContent(
                organization="中共大连市委组织部", region_code="210200", contact_name="王", contact_phone=applicants[n].phone,
                channel_name="大连党建", slug=f"dalian{n}", description="", letter=letter)
            barrier.wait()
            services.city_application_submit(applicant=applicants[n], content=content, code=None, ip=f"192.0.2.{n}")
            outcomes.append("stored")
        except services.CityError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(applicants))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1, outcomes
    assert all("正在审核" in outcome for outcome in outcomes if outcome != "stored")
    assert CityApplication.objects.count() == 1


def test_a_letter_image_is_checked_within_bounded_memory():
    from django.core.exceptions import ValidationError

    from dangjian.core.scans import scan_clean

    def image(size, fmt) -> bytes:
        out = BytesIO()
        Image.new("RGB", size, "white").save(out, fmt)
        return out.getvalue()

    assert scan_clean(image((7300, 5475), "JPEG")).extension == "jpg"  # 40 million pixels, checked at a reduced scale
    with pytest.raises(ValidationError, match="PNG 图片最多 1200 万像素"):
        scan_clean(image((4000, 3500), "PNG"))
