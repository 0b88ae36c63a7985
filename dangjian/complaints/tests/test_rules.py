"""What a complaint must be, who handles it, and when it is due."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from dangjian.accounts import roles
from dangjian.cities.models import CityRole
from dangjian.cities.tests.fixtures import city_staff
from dangjian.complaints import services
from dangjian.complaints.models import Complaint, ComplaintFile
from dangjian.complaints.selectors import article_for_url
from dangjian.complaints.tests.fixtures import evidence, file_complaint, make_complaint
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def test_only_published_articles_of_this_site_can_be_named(portal_site):
    channel = portal_site.channels[0]
    article = make_article(channel, slug="hongse")
    draft = make_article(channel, publish=False)
    for url in (f"/a/{article.pk}/", f"http://localhost/a/{article.pk}", f"localhost/a/{article.pk}/",
                "https://LOCALHOST/jcdj/hongse/", "/jcdj/hongse", f" /a/{article.pk}/?from=wechat#top "):
        assert article_for_url(url) == article, url
    for url in ("https://evil.example/a/%d/" % article.pk, f"/a/{draft.pk}/", "/a/99999999999999999999999/", "/jcdj/",
                "/", "javascript:alert(1)", "ftp://localhost/a/1/", "http://[::1", "\x00/a/1/", "/a/1/../../etc/passwd",
                "http://localhost/a/%E4%B8%AD/", "", "   "):
        assert article_for_url(url) is None, url


def test_a_complaint_naming_another_sites_url_is_refused_naming_it_and_nothing_is_stored(client, portal_site, sms_outbox):
    article = make_article(portal_site.channels[0])
    refused = file_complaint(client, sms_outbox, "13912340001", f"/a/{article.pk}/", "https://evil.example/a/1/")
    page = refused.content.decode()
    assert refused.status_code == 200 and "“https://evil.example/a/1/”不是本网已发布文章的网址" in page
    assert "某某文化传媒有限公司" in page  # what was typed is shown again
    assert not Complaint.objects.exists()


def test_evidence_is_checked_by_what_it_is(client, portal_site, sms_outbox):
    article = make_article(portal_site.channels[0])
    disguised = evidence(b"<html><script>alert(1)</script></html>", "证明.pdf")
    page = file_complaint(client, sms_outbox, "13912340002", f"/a/{article.pk}/", files=[disguised]).content.decode()
    assert "证明.pdf：文件必须是 PDF、JPEG 或 PNG 格式" in page
    too_many = [evidence(name=f"{n}.pdf") for n in range(6)]
    page = file_complaint(client.__class__(), sms_outbox, "13912340003", f"/a/{article.pk}/", files=too_many,
                          ip="10.9.0.2").content.decode()
    assert "最多 5 个文件" in page
    assert not Complaint.objects.exists() and not ComplaintFile.objects.exists()


def test_the_number_and_the_network_are_limited(client, portal_site, sms_outbox, settings):
    settings.COMPLAINT_LIMITS_PHONE = "1/86400"
    settings.SMS_LIMITS_PHONE = "10/60"  # the second complaint gets its code
    article = make_article(portal_site.channels[0])
    assert file_complaint(client, sms_outbox, "13912340004", f"/a/{article.pk}/").status_code == 302
    other = client.__class__()
    again = file_complaint(other, sms_outbox, "13912340004", f"/a/{article.pk}/", ip="2001:db8:9::1")
    assert "投诉过多" in again.content.decode()
    assert Complaint.objects.count() == 1


def test_the_deadline_is_counted_from_receipt_and_restarts_when_information_comes(portal_site, sms_outbox, newsroom):
    received = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
    complaint = make_complaint(sms_outbox, make_article(portal_site.channels[0]), now=received)
    assert complaint.deadline_at == received + dt.timedelta(days=3)
    assert not complaint.is_overdue(now=received + dt.timedelta(days=3))
    assert complaint.is_overdue(now=received + dt.timedelta(days=3, seconds=1))
    services.complaint_info_request(complaint=complaint, user=newsroom.final, message="请补充作品登记证书。")
    answered = received + dt.timedelta(days=5)
    complaint = services.complaint_supplement(complaint=complaint, text="证书见附件。", files=[], now=answered)
    assert complaint.state == Complaint.State.RECEIVED and complaint.deadline_at == answered + dt.timedelta(days=3)
    services.complaint_take_down(complaint=complaint, user=newsroom.final)
    complaint.refresh_from_db()
    assert not complaint.is_overdue(now=answered + dt.timedelta(days=30))  # decided: nothing is due


def test_the_queue_highlights_overdue_cases_filters_and_exports(client, portal_site, sms_outbox, newsroom):
    article = make_article(portal_site.channels[0])
    late = make_complaint(sms_outbox, article, now=timezone.now() - dt.timedelta(days=4))
    fresh = make_complaint(sms_outbox, article)
    client.force_login(newsroom.final)
    queue = client.get("/admin/complaints/").content.decode()
    assert late.number in queue and fresh.number in queue
    highlighted = [row for row in queue.split("<tr") if "已超期</strong>" in row]
    assert len(highlighted) == 1 and late.number in highlighted[0]
    overdue = client.get("/admin/complaints/?overdue=true").content.decode()
    assert late.number in overdue and fresh.number not in overdue
    dashboard = client.get("/admin/").content.decode()
    assert "1 件投诉已超过处理期限" in dashboard and 'href="/admin/complaints/?overdue=true"' in dashboard
    today = timezone.localdate().isoformat()
    exported = client.get(f"/admin/complaints/?export=csv&received_from={today}&received_to={today}")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "案件编号" and [row[0] for row in rows[1:]] == [fresh.number]
    assert f"/a/{article.pk}/" in rows[1][7]
    xlsx = client.get("/admin/complaints/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def refused(response) -> bool:
    """Wagtail's admin answers a refused view with a redirect to its dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_who_handles_reads_or_sees_nothing(client, portal_site, sms_outbox, newsroom):
    complaint = make_complaint(sms_outbox, make_article(portal_site.channels[0]))
    auditor = make_user("auditor", roles.AUDITOR)
    client.force_login(newsroom.first)  # 初审 handles no complaint
    assert refused(client.get("/admin/complaints/"))
    assert refused(client.get(f"/admin/complaints/{complaint.pk}/"))
    client.force_login(auditor)
    assert complaint.number in client.get("/admin/complaints/").content.decode()
    case = client.get(f"/admin/complaints/{complaint.pk}/").content.decode()
    assert complaint.number in case and "下架" not in case.split("处理记录")[0].split("文件")[-1]
    assert refused(client.post(f"/admin/complaints/{complaint.pk}/", {"action": "take_down"}))
    assert client.get(f"/admin/complaints/file/{complaint.files.get().pk}/").status_code == 200
    with pytest.raises(services.ComplaintError):
        services.complaint_take_down(complaint=complaint, user=auditor)
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RECEIVED


def test_a_citys_administrators_handle_their_citys_cases_only(client, two_cities, sms_outbox):
    ours, theirs = two_cities
    column = ours.get_children().first().specific
    other_column = theirs.get_children().first().specific
    mine = make_complaint(sms_outbox, make_article(column))
    not_mine = make_complaint(sms_outbox, make_article(other_column))
    admin = city_staff(ours)[CityRole.ADMIN]
    client.force_login(admin)
    queue = client.get("/admin/complaints/").content.decode()
    assert mine.number in queue and not_mine.number not in queue
    assert client.get(f"/admin/complaints/{not_mine.pk}/").status_code == 404
    assert client.post(f"/admin/complaints/{mine.pk}/", {"action": "take_down"}).status_code == 302
    mine.refresh_from_db()
    assert mine.state == Complaint.State.TAKEN_DOWN
    reviewer = city_staff(ours)[CityRole.FINAL_REVIEW]  # a city's reviewers do not handle complaints
    client.force_login(reviewer)
    assert refused(client.get("/admin/complaints/"))


def test_old_cases_lose_their_personal_data(portal_site, sms_outbox, settings):
    received = timezone.now() - dt.timedelta(days=settings.COMPLAINT_RETENTION_DAYS + 1)
    old = make_complaint(sms_outbox, make_article(portal_site.channels[0]), now=received)
    recent = make_complaint(sms_outbox, make_article(portal_site.channels[0]))
    assert services.complaints_anonymize_expired() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.phone == "" and old.email == "" and old.address == "" and old.name == "—" and old.anonymized_at
    assert old.work_title == "《茶乡》" and old.articles.count() == 1  # the case itself stays
    assert recent.phone and recent.anonymized_at is None
    assert services.complaints_anonymize_expired() == 0
