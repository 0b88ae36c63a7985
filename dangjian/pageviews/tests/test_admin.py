"""What editors see: an article's views per day as a chart, and the most viewed articles
for any period, exportable."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission

from dangjian.pageviews.services import views_apply
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def hour_of(day: dt.date, hour: int = 12) -> int:
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())
    return int(local.timestamp() // 3600)


@pytest.fixture
def editor_client(client):
    client.force_login(get_user_model().objects.create_superuser("chief", password="x-Long-password-1"))
    return client


@pytest.fixture
def counted(portal_site):
    today = timezone.localdate()
    first = make_article(portal_site.channels[0], title="十月的热门文章", initial_views=1000)
    second = make_article(portal_site.channels[1], title="昨天的热门文章", initial_views=0)
    views_apply(batch_id="history", increments={
        (first.pk, hour_of(today - dt.timedelta(days=40))): 300,
        (first.pk, hour_of(today - dt.timedelta(days=2))): 20,
        (second.pk, hour_of(today - dt.timedelta(days=1))): 70,
        (second.pk, hour_of(today - dt.timedelta(days=1), 23)): 5,  # 23:00 Beijing is still that day
    })
    return today, first, second


def test_an_articles_admin_page_charts_its_last_90_days(counted, editor_client):
    today, first, _second = counted
    edit = editor_client.get(f"/admin/pages/{first.pk}/edit/").content.decode()
    assert f"/admin/pageviews/article/{first.pk}/" in edit  # the header button
    response = editor_client.get(f"/admin/pageviews/article/{first.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "<svg" in html
    assert html.count('class="bar"') == 90
    day_40 = (today - dt.timedelta(days=40)).isoformat()
    assert f'data-day="{day_40}" data-views="300"' in html
    assert f'data-day="{(today - dt.timedelta(days=2)).isoformat()}" data-views="20"' in html
    assert "近 90 天共浏览 320 次" in html and "累计浏览 1320 次（含初始浏览数）" in html
    assert "浏览量" in html


def test_the_chart_is_only_for_people_who_may_edit_the_article(counted, client, portal_site):
    _today, first, _second = counted
    moderators = Group.objects.create(name="只看后台")
    moderators.permissions.add(Permission.objects.get(codename="access_admin"))
    user = get_user_model().objects.create_user("viewer", password="x-Long-password-1")
    user.groups.add(moderators)
    client.force_login(user)
    refused = client.get(f"/admin/pageviews/article/{first.pk}/")
    assert refused.status_code == 302 and refused.url == "/admin/"  # Wagtail's "permission denied"
    GroupPagePermission.objects.create(group=moderators, page=portal_site.home, permission=Permission.objects.get(codename="change_page"))
    assert client.get(f"/admin/pageviews/article/{first.pk}/").status_code == 200


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_most_viewed_articles_for_a_period_and_csv_export(counted, editor_client):
    today, first, second = counted
    week = {"start": (today - dt.timedelta(days=7)).isoformat(), "end": today.isoformat()}
    html = editor_client.get("/admin/pageviews/top/", week).content.decode()
    assert html.index("昨天的热门文章") < html.index("十月的热门文章")
    rows = csv_rows(editor_client.get("/admin/pageviews/top/", {**week, "export": "csv"}))
    assert rows[0][-1] == "浏览量"
    assert [(row[1], row[3]) for row in rows[1:]] == [("昨天的热门文章", "75"), ("十月的热门文章", "20")]
    all_time = csv_rows(editor_client.get("/admin/pageviews/top/", {"export": "csv"}))
    assert [(row[1], row[3]) for row in all_time[1:]] == [("十月的热门文章", "1320"), ("昨天的热门文章", "75")]
    channel = csv_rows(editor_client.get("/admin/pageviews/top/", {"scope": first.get_parent().pk, "export": "csv"}))
    assert [row[1] for row in channel[1:]] == ["十月的热门文章"]
    xlsx = editor_client.get("/admin/pageviews/top/", {**week, "export": "xlsx"})
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_a_bad_date_gets_a_message_not_an_error(counted, editor_client):
    response = editor_client.get("/admin/pageviews/top/", {"start": "2026-13-45"})
    assert response.status_code == 200
    assert "输入一个有效的日期" in response.content.decode()
