"""A complaint from the public form to the takedown, the uploader's counter-notice and the
restore: the article leaves every page, list, feed, index and count, and comes back."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings as django_settings
from wagtail.models import ModelLogEntry

from dangjian.complaints.models import Complaint, ComplaintFile, CounterNotice
from dangjian.complaints.tests.fixtures import evidence, file_complaint
from dangjian.contributions.models import Submission
from dangjian.contributions.tests.fixtures import edit_form_data
from dangjian.pageviews.models import HotListEntry
from dangjian.pageviews.selectors import article_views
from dangjian.pageviews.tests.fixtures import send_beacon
from dangjian.portal.holds import PublishHeld
from dangjian.portal.models import ArticlePage
from dangjian.portal.tests.fixtures import make_article
from dangjian.search.models import SearchDocument

pytestmark = pytest.mark.django_db
COMPLAINANT = "13912345678"


def shows(client, path: str, article) -> bool:
    response = client.get(path)
    assert response.status_code == 200, path
    return f"/a/{article.pk}/" in response.content.decode()


def admin_menu(client) -> str:
    """The admin's sidebar, whose items Wagtail sends as JSON."""
    html = client.get("/admin/").content.decode()
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1)
    return json.dumps(json.loads(props), ensure_ascii=False)


def everywhere(client, article, channel) -> dict[str, bool]:
    return {path: shows(client, path, article) for path in ("/", channel.url, "/feed/", channel.url + "feed/", "/sitemap.xml")}


def test_complaint_takedown_counter_notice_and_restore(client, newsroom, sms_outbox, portal_site, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    channel = portal_site.channels[0]
    newsroom.contributor.email = "li@example.com"
    newsroom.contributor.save()
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(channel, revision=True, title="红色物业让老旧小区焕新颜", owner=newsroom.contributor)
    Submission.objects.create(page=article, contributor=newsroom.contributor, contact_phone="13800138000")
    HotListEntry.objects.create(scope=portal_site.home, window=HotListEntry.Window.DAY, position=1, article=article, views=7)
    views_before, first_published = article_views(article), article.first_published_at
    reader = client.__class__()
    assert all(everywhere(reader, article, channel).values())
    assert SearchDocument.objects.filter(page_id=article.pk).exists()

    # The complainant: the notice links to the form; number, code, complaint with evidence.
    notice = reader.get(f"/a/{article.pk}/").content.decode()
    assert 'href="mailto:tousu@example.com"' in notice and 'href="/complaint/"' in notice
    filed = file_complaint(client, sms_outbox, COMPLAINANT, f"http://localhost/a/{article.pk}/", files=[evidence()])
    complaint = Complaint.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/complaint/case/{complaint.number}/"
    case_page = client.get(filed["Location"]).content.decode()
    assert complaint.number in case_page and "待处理" in case_page and "红色物业让老旧小区焕新颜" in case_page
    stored = ComplaintFile.objects.get()
    assert stored.file.path.startswith(str(django_settings.PRIVATE_MEDIA_ROOT))
    assert not stored.file.path.startswith(str(django_settings.MEDIA_ROOT))
    assert client.get(stored.file.url).status_code == 404  # no public URL serves it

    # The chief editor sees it waiting, and takes the article down.
    client.force_login(newsroom.final)
    assert "侵权投诉 (1)" in admin_menu(client)
    assert complaint.number in client.get("/admin/complaints/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/admin/complaints/{complaint.pk}/", {"action": "take_down", "message": ""})
    assert done.status_code == 302
    gone = reader.get(f"/a/{article.pk}/")
    assert gone.status_code == 410
    assert "该内容因权利人投诉已暂停显示" in gone.content.decode() and complaint.number in gone.content.decode()
    assert not any(everywhere(reader, article, channel).values())
    assert not SearchDocument.objects.filter(page_id=article.pk).exists()
    assert not HotListEntry.objects.filter(article=article).exists()
    assert send_beacon(article.pk)[0] == 404
    # Told by e-mail too: the complainant of the state, the uploader of the substance but not
    # of who complained.
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert mails["legal@example.com"].subject == f"侵权投诉 {complaint.number}：已下架。"
    told = mails["li@example.com"].body
    assert "未经许可使用" in told and f"/a/{article.pk}/" in told and "/me/" in told
    assert "某某文化传媒" not in told and "legal@example.com" not in told and COMPLAINANT not in told

    # Nobody publishes it again: not the admin (no publish action; a forged one saves a
    # draft), not code.
    assert not ArticlePage.objects.get(pk=article.pk).permissions_for_user(newsroom.final).can_publish()
    data = edit_form_data(client, article.pk)
    assert "已下架" in client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    client.post(f"/admin/pages/{article.pk}/edit/", {**data, "action-publish": "action-publish"})
    assert not ArticlePage.objects.get(pk=article.pk).live
    with pytest.raises(PublishHeld):
        ArticlePage.objects.get(pk=article.pk).get_latest_revision().publish()
    assert not ArticlePage.objects.get(pk=article.pk).live

    # The uploader is told on their account page, sees the substance but not who complained,
    # and answers with a counter-notice.
    uploader = client.__class__()
    uploader.force_login(newsroom.contributor)
    account = uploader.get("/me/").content.decode()
    assert complaint.number in account and "提交反通知" in account
    counter_page = uploader.get(f"/complaint/counter/{complaint.number}/").content.decode()
    assert "未经许可使用" in counter_page
    assert "某某文化传媒" not in counter_page and "legal@example.com" not in counter_page and COMPLAINANT not in counter_page
    answered = uploader.post(f"/complaint/counter/{complaint.number}/",
                             {"statement": "照片为本人拍摄，有原始文件为证。", "files": [evidence()]})
    assert answered.status_code == 302
    assert CounterNotice.objects.get().files.count() == 1
    assert "照片为本人拍摄" in client.get(f"/admin/complaints/{complaint.pk}/").content.decode()

    # Restored: back everywhere with its first publish time and its views.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/admin/complaints/{complaint.pk}/", {"action": "restore", "message": ""}).status_code == 302
    article.refresh_from_db()
    # Its publish time is the revision's (Wagtail keeps revisions' times to the millisecond).
    assert article.live and abs(article.first_published_at - first_published).total_seconds() < 0.001
    assert article_views(article) == views_before
    assert reader.get(f"/a/{article.pk}/").status_code == 200
    assert all(everywhere(reader, article, channel).values())
    assert SearchDocument.objects.filter(page_id=article.pk).exists()
    assert send_beacon(article.pk)[0] == 200
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RESTORED
    notices = (django_settings.DATA_DIR / "sms.log").read_text()
    assert f"侵权投诉 {complaint.number}：已恢复" in notices

    # Every step is in the audit log, with who.
    history = list(ModelLogEntry.objects.for_instance(complaint).order_by("timestamp").values_list("action", "user_id"))
    assert history == [("complaints.submit", None), ("complaints.take_down", newsroom.final.pk),
                       ("complaints.counter_notice", newsroom.contributor.pk), ("complaints.restore", newsroom.final.pk)]


def test_the_complainant_follows_the_case_with_its_number_and_a_code(client, portal_site, sms_outbox):
    from dangjian.complaints.tests.fixtures import make_complaint

    article = make_article(portal_site.channels[0])
    complaint = make_complaint(sms_outbox, article, phone="+8613911112222")
    other = client.__class__()
    assert other.get(f"/complaint/case/{complaint.number}/")["Location"] == f"/complaint/case/?number={complaint.number}"
    sent = len(sms_outbox())
    mistyped = other.post("/complaint/case/", {"step": "phone", "number": "TS2026", "phone": "13911112222"}, REMOTE_ADDR="10.7.0.1")
    assert "TS 加 14 位数字" in mistyped.content.decode() and len(sms_outbox()) == sent
    assert other.post("/complaint/case/", {"step": "phone", "number": complaint.number.lower(), "phone": "13911112222"},
                      REMOTE_ADDR="10.7.0.1").status_code == 302
    code = [code for phone, code in sms_outbox() if phone == "+8613911112222"][-1]
    wrong = other.post("/complaint/case/", {"code": "000000" if code != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    opened = other.post("/complaint/case/", {"code": code})
    assert opened["Location"] == f"/complaint/case/{complaint.number}/"
    assert "《茶乡》" in other.get(opened["Location"]).content.decode()
    # The right code for a number that did not file this case opens nothing.
    stranger = client.__class__()
    stranger.post("/complaint/case/", {"step": "phone", "number": complaint.number, "phone": "13933334444"}, REMOTE_ADDR="10.7.0.2")
    code = [code for phone, code in sms_outbox() if phone == "+8613933334444"][-1]
    assert "没有提交过该编号" in stranger.post("/complaint/case/", {"code": code}).content.decode()
    assert stranger.get(f"/complaint/case/{complaint.number}/").status_code == 302


def test_a_takedown_removes_every_cached_page_showing_the_article_at_once(portal_site, newsroom, sms_outbox,
                                                                          django_capture_on_commit_callbacks):
    """Unpublishing leaves the lists stale (served a few seconds more while they render
    again); a takedown leaves no cached page showing the article, on any path."""
    from dangjian.complaints import services
    from dangjian.complaints.tests.fixtures import make_complaint
    from dangjian.core.tests.test_pagecache import Snapshot
    from dangjian.testing.wsgi import wsgi_request

    jcdj, xczx = portal_site.channels
    with django_capture_on_commit_callbacks(execute=True):
        a = [make_article(jcdj, revision=True, title=f"基层文章{n}") for n in (1, 2, 3)]
        b = make_article(xczx, revision=True, title="乡村文章")
    urls = ["/", "/jcdj/", "/xczx/", "/feed/", "/jcdj/feed/", "/xczx/feed/", "/sitemap.xml", "/robots.txt",
            *(article.url for article in [*a, b])]
    snapshot = Snapshot(urls)
    complaint = make_complaint(sms_outbox, a[1])
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_take_down(complaint=complaint, user=newsroom.final)
    after = snapshot.after()
    assert {url for url, what in after.items() if what == "gone"} == {
        "/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url, a[1].url, a[2].url}
    assert "stale" not in after.values()
    status, _headers, body = wsgi_request(a[1].url)
    assert status.startswith("410") and complaint.number in body.decode()
    for url in ("/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url, a[2].url):
        assert "基层文章2" not in wsgi_request(url)[2].decode() and f"/a/{a[1].pk}/" not in wsgi_request(url)[2].decode(), url


def test_a_taken_down_article_is_published_by_no_path_until_restored(portal_site, newsroom, sms_outbox, client):
    from django.utils import timezone
    from wagtail.models import Page

    from dangjian.complaints import services
    from dangjian.complaints.selectors import open_case_count
    from dangjian.complaints.tests.fixtures import make_complaint

    article = make_article(portal_site.channels[0], revision=True, owner=newsroom.contributor)
    scheduled = article.save_revision()
    scheduled.approved_go_live_at = timezone.now() - dt.timedelta(minutes=1)
    scheduled.save()
    complaint = make_complaint(sms_outbox, article)
    assert open_case_count(newsroom.final) == 1
    services.complaint_take_down(complaint=complaint, user=newsroom.final)
    assert open_case_count(newsroom.final) == 0
    assert not article.revisions.filter(approved_go_live_at__isnull=False).exists()  # no scheduled publish left
    page = ArticlePage.objects.get(pk=article.pk)
    with pytest.raises(PublishHeld):
        page.live = True
        page.save()
    with pytest.raises(PublishHeld):
        plain = Page.objects.get(pk=article.pk)  # as a plain Page too
        plain.live = True
        plain.save()
    with pytest.raises(PublishHeld):
        ArticlePage.objects.get(pk=article.pk).save_revision().publish()
    permissions = ArticlePage.objects.get(pk=article.pk).permissions_for_user(newsroom.final)
    assert not permissions.can_publish() and not permissions.can_submit_for_moderation()
    assert not ArticlePage.objects.get(pk=article.pk).live
    # The uploader's (here the page's owner: no submission) counter-notice puts the case
    # back in the queue's count.
    with pytest.raises(services.ComplaintError):
        services.counter_notice_file(complaint=complaint, user=newsroom.first, statement="有授权。", files=[])
    services.counter_notice_file(complaint=complaint, user=newsroom.contributor, statement="有授权。", files=[])
    assert open_case_count(newsroom.final) == 1
