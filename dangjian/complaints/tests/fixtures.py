"""Complaint fixtures: a complaint filed through the real public form, and one made by the
service for tests about what follows."""

from __future__ import annotations

import itertools
import time

from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.cities.tests.fixtures import make_pdf
from dangjian.complaints import services
from dangjian.complaints.models import Complaint
from dangjian.core.scans import scan_clean

_numbers = itertools.count(1)


def complaint_fields(*urls: str, **overrides) -> dict:
    data = {
        "kind": "organization", "name": "某某文化传媒有限公司", "email": "legal@example.com", "address": "北京市朝阳区某某路 1 号",
        "work_title": "《红色物业》摄影作品", "urls": "\n".join(urls), "description": "文章第二张照片为我公司摄影师拍摄，未经许可使用。",
        "good_faith": "on",
    }
    data.update(overrides)
    return data


def evidence(content: bytes | None = None, name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(1) if content is None else content, content_type="application/pdf")


def file_complaint(client, sms_outbox, phone: str, *urls: str, files=(), ip: str = "10.9.0.1", **overrides):
    """Both steps of the public form; the response of the second."""
    assert client.post("/complaint/", {"step": "phone", "phone": phone}, REMOTE_ADDR=ip).status_code == 302
    code = dict(sms_outbox())[f"+86{phone}"]
    data = complaint_fields(*urls, code=code, **overrides)
    if files:
        data["files"] = list(files)
    return client.post("/complaint/", data, REMOTE_ADDR=ip)


def make_complaint(sms_outbox, *articles, phone: str | None = None, now=None) -> Complaint:
    """A complaint as the form stores it, with the code the number was sent."""
    from dangjian.accounts.models import PhoneCode
    from dangjian.accounts.services import phone_code_send

    phone = phone or f"+861390000{next(_numbers):04d}"
    # Sent an hour ago as far as the number's limits go: a code sent to it now for following
    # the case is not held back by the minute's limit.
    phone_code_send(phone=phone, purpose=PhoneCode.Purpose.COMPLAINT, request_id="test", now=time.time() - 3600)
    code = dict(sms_outbox())[phone]
    content = services.ComplaintContent(
        kind="person", name="王权利", phone=phone, email="wang@example.com", address="云南省临沧市某路 2 号",
        work_title="《茶乡》", urls=[f"/a/{article.pk}/" for article in articles], description="全文抄袭我的文章。",
        files=[scan_clean(make_pdf(1))], good_faith=True,
    )
    return services.complaint_submit(content=content, code=code, ip=f"10.8.{next(_numbers) % 250}.1", now=now)
