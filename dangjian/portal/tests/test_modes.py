"""What the page carries for the modes applied in the browser (test_reading.py runs them):
mourning periods, structured data for the byline."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.portal.models import MourningPeriod
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def periods_on(html: str) -> list:
    return json.loads(re.search(r'<html lang="zh-Hans" data-mourning="([^"]*)"', html).group(1).replace("&quot;", '"'))


def test_pages_carry_the_current_and_coming_periods_and_saving_one_reaches_cached_pages(
    portal_site, django_capture_on_commit_callbacks
):
    client = Client()
    url = make_article(portal_site.channels[0]).url
    assert periods_on(client.get(url).content.decode()) == []
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the purge runs on commit
        MourningPeriod.objects.create(start=now - dt.timedelta(days=3), end=now - dt.timedelta(days=2))  # over
        open_ended = MourningPeriod.objects.create(start=now - dt.timedelta(minutes=5))
        coming = MourningPeriod.objects.create(start=now + dt.timedelta(days=1), end=now + dt.timedelta(days=2))
    ms = lambda moment: int(moment.timestamp() * 1000)  # noqa: E731
    assert sorted(periods_on(client.get(url).content.decode()), key=lambda p: p[0]) == [
        [ms(open_ended.start), None], [ms(coming.start), ms(coming.end)]]


def test_a_period_ends_after_it_starts():
    period = MourningPeriod(start=timezone.now(), end=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        period.full_clean()
    assert error.value.message_dict["end"] == ["结束时间必须晚于开始时间。"]


def test_the_byline_is_in_parentheses_and_labelled_in_structured_data(portal_site):
    article = make_article(portal_site.channels[0], title="标题</script><script>alert(1)</script>",
                           byline_organization="云南凤庆县教育体育局", byline_author="杨安华")
    html = Client().get(article.url).content.decode()
    assert re.search(r'<p class="byline">（<span class="org">云南凤庆县教育体育局</span><span class="author">杨安华</span>）</p>', html)
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    assert "<" not in data
    parsed = json.loads(data)
    assert parsed["headline"] == article.title and parsed["@type"] == "NewsArticle"
    assert parsed["author"] == {"@type": "Person", "name": "杨安华"}
    assert parsed["sourceOrganization"] == {"@type": "Organization", "name": "云南凤庆县教育体育局"}


def test_site_admins_schedule_mourning_in_the_admin_and_editors_may_not(portal_site):
    from dangjian.accounts.roles import FIRST_REVIEW, SITE_ADMIN
    from dangjian.contributions.tests.fixtures import make_user

    admin, editor = Client(), Client()
    admin.force_login(make_user("site-admin", SITE_ADMIN))
    editor.force_login(make_user("editor", FIRST_REVIEW))
    assert "哀悼模式" in admin.get("/admin/mourning/").content.decode()
    response = admin.post("/admin/mourning/new/", {"start": "2030-04-04 00:00", "end": "2030-04-03 00:00", "reason": "全国哀悼日"})
    assert response.status_code == 200 and "结束时间必须晚于开始时间。" in response.content.decode()
    response = admin.post("/admin/mourning/new/", {"start": "2030-04-04 00:00", "end": "2030-04-05 00:00", "reason": "全国哀悼日"})
    assert response.status_code == 302
    period = MourningPeriod.objects.get()
    assert timezone.localtime(period.start).isoformat() == "2030-04-04T00:00:00+08:00"
    assert editor.get("/admin/mourning/").status_code == 302  # Wagtail's refusal: back to the dashboard
    assert editor.post("/admin/mourning/new/", {"start": "2030-05-01 00:00"}).status_code == 302
    assert MourningPeriod.objects.count() == 1


def test_a_photo_without_a_caption_is_described_by_the_image_description(portal_site):
    from dangjian.portal.tests.fixtures import make_image

    image = make_image()
    image.description = "党员志愿者在村里服务"
    image.save()
    article = make_article(portal_site.channels[0], body=[("image", {"image": image, "caption": ""})])
    assert 'alt="党员志愿者在村里服务"' in Client().get(article.url).content.decode()
