"""A person's copy of their data lists their contributions, complaints and counter-notices;
deleting the account leaves their number and name in no table."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import connection

from dangjian.cities.models import CityApplication
from dangjian.complaints import services
from dangjian.complaints.tests.fixtures import make_complaint
from dangjian.contributions.models import Submission
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db
PHONE, NAME = "+8613800138000", "王小明"


def texts_holding(*needles: str) -> list[tuple[str, str]]:
    """(table, column) of every text column of every model holding one of `needles`."""
    found = []
    for model in apps.get_models():
        table = model._meta.db_table
        for field in model._meta.local_concrete_fields:
            if field.get_internal_type() not in ("CharField", "TextField", "EmailField", "FileField"):
                continue
            condition = " OR ".join([f'"{field.column}" LIKE %s'] * len(needles))
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {condition}', [f"%{needle}%" for needle in needles])
                if cursor.fetchone()[0]:
                    found.append((table, field.column))
    return found


def test_export_lists_everything_and_deletion_leaves_no_number_or_name(client, portal_site, sms_outbox, newsroom):
    user = make_user("wang", real_name=NAME, organization="红星村党支部")
    user.phone = PHONE
    user.save()
    article = make_article(portal_site.channels[0], owner=user, byline_author="红星村通讯员")
    Submission.objects.create(page=article, contributor=user, contact_phone="13800138000")
    CityApplication.objects.create(reference="CS20261206000001", applicant=user, organization="红星村党支部", region_code="530900",
                                   region_name="云南省临沧市", contact_name=NAME, contact_phone=PHONE, letter="city-letters/x.pdf",
                                   letter_type="pdf", channel_name="临沧党建", slug="lincang")
    filed = make_complaint(sms_outbox, make_article(portal_site.channels[1]), phone=PHONE)
    filed.name = NAME
    filed.save()
    about_mine = make_complaint(sms_outbox, article)
    services.complaint_take_down(complaint=about_mine, user=newsroom.final)
    services.counter_notice_file(complaint=about_mine, user=user, statement=f"我是{NAME}，照片为本人拍摄。", files=[])

    client.force_login(user)
    data = json.loads(client.get("/me/export/").content)
    assert [c["contact_phone"] for c in data["contributions"]] == ["13800138000"]
    assert [c["number"] for c in data["copyright_complaints"]] == [filed.number]
    assert [n["case"] for n in data["counter_notices"]] == [about_mine.number]
    assert [a["reference"] for a in data["city_channel_applications"]] == ["CS20261206000001"]

    assert texts_holding("13800138000", NAME)  # the scan finds them before
    assert client.post("/me/delete/", {"confirm": "yes"}).status_code == 200
    assert texts_holding("13800138000", NAME, "138****8000") == []
    about_mine.refresh_from_db()
    assert about_mine.counter_notices.count() == 1 and about_mine.state == "taken_down"  # the cases stay
