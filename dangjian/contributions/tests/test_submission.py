"""The contributor's side: the form's messages, drafts, preview, photos, sensitive words and
the daily limit, through the real views."""

from __future__ import annotations

import json
import re
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from dangjian.contributions.models import SensitiveWord, Submission
from dangjian.portal.models import ArticlePage

from .fixtures import act, form_data, make_user, state_label, submit
from .test_photos import jpeg_with_gps


def menu_labels(html: str) -> str:
    """The admin's menu is drawn by its script from JSON in the page."""
    props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.dumps(json.loads(props), ensure_ascii=False)


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_anonymous_readers_are_sent_to_the_phone_login(client, portal_site):
    response = client.get(reverse("contributions:new"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/contribute/new/")
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]


def test_an_unverified_phone_must_be_verified_first(client, newsroom, portal_site):
    client.force_login(make_user("unverified", phone_verified=False))
    assert "投稿需要先用短信验证码验证手机号" in client.get(reverse("contributions:new")).content.decode()
    client.post(reverse("contributions:new"), form_data(portal_site.channels[0]))
    assert not Submission.objects.exists()


def test_the_form_is_prefilled_and_offers_only_accepting_channels(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    html = client.get(reverse("contributions:new")).content.decode()
    assert 'value="李老师"' in html and 'value="凤庆县教育局"' in html and 'value="13800130001"' not in html
    assert f'value="{newsroom.contributor.phone[3:]}"' in html
    select = re.search(r'<select name="channel".*?</select>', html, re.S).group(0)
    assert "基层党建" in select and "乡村振兴" not in select  # the second channel does not accept contributions
    response = client.post(reverse("contributions:new"), form_data(portal_site.channels[1]))
    assert "这个栏目不接受投稿，请选择其他栏目。" in response.content.decode()


def test_every_mistake_gets_a_chinese_message_and_keeps_what_was_typed(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    response = client.post(reverse("contributions:new"), form_data(
        portal_site.channels[0], title="  ", body="<p> </p>", contact_phone="abc", origin="repost", source_url="javascript:alert(1)",
        declaration=None, author="李老师（县教育局）",
    ))
    html = response.content.decode()
    for message in ["请填写此项。", "请填写文章正文。", "请填写编辑可以联系到您的电话", "转载的文章必须填写转载来源。",
                    "请输入以 http:// 或 https:// 开头的网址。", "提交前请阅读并勾选声明。"]:
        assert message in html, message
    assert 'value="李老师（县教育局）"' in html
    assert not Submission.objects.exists()


def test_draft_preview_and_plain_text_body(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    response = client.post(reverse("contributions:new"), form_data(
        portal_site.channels[0], action="preview", body="第一段，没有用编辑器。\n\n第二段 <script>alert(1)</script>", declaration=None,
    ))
    submission = Submission.objects.get()
    assert response["Location"] == reverse("contributions:preview", args=[submission.pk])
    page = submission.page
    assert not page.live and page.live_revision is None
    assert str(page.get_latest_revision_as_object().body[0].value) == (
        "<p>第一段，没有用编辑器。</p><p>第二段 </p>"
    )
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "预览：尚未发布" in html and "第一段，没有用编辑器。" in html
    assert "no-store" in preview["Cache-Control"] and "data-views-url" not in html
    assert state_label(client, newsroom.contributor, submission) == ("草稿", "")
    # Saved without the declaration: submitting asks for it, and loses nothing.
    client.post(reverse("contributions:submit", args=[submission.pk]))
    assert state_label(client, newsroom.contributor, submission) == ("草稿", "")


def test_the_body_is_sanitized_before_it_is_stored(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    client.post(reverse("contributions:new"), form_data(
        portal_site.channels[0], action="save",
        body='<p onclick="alert(1)">正文<img src=x onerror=alert(2)><a href="javascript:alert(3)">链接</a><svg onload=alert(4)></svg></p>',
    ))
    stored = Submission.objects.get().page.get_latest_revision_as_object().body[0].value.source
    assert stored == '<p>正文<a rel="nofollow noopener noreferrer">链接</a></p>'
    # The form shows the stored (clean) version back in the editor.
    html = client.get(reverse("contributions:edit", args=[Submission.objects.get().pk])).content.decode()
    assert "onerror" not in html and "javascript:" not in html


def test_photos_are_cleaned_captioned_and_removable(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    response = client.post(reverse("contributions:new"), {
        **form_data(portal_site.channels[0], action="save"), "new_photos": [upload("现场.jpg", jpeg_with_gps())],
    })
    submission = Submission.objects.get()
    assert response.status_code == 302
    [block] = [b for b in submission.page.get_latest_revision_as_object().body if b.block_type == "image"]
    image = block.value["image"]
    stored = image.file.read()
    assert b"Exif" not in stored and not Image.open(BytesIO(stored)).getexif()
    assert "现场" not in image.file.name and image.uploaded_by_user == newsroom.contributor

    edit = reverse("contributions:edit", args=[submission.pk])
    client.post(edit, {**form_data(portal_site.channels[0], action="save"), "caption_0": "培训现场"})
    submission.page.refresh_from_db()
    [block] = [b for b in submission.page.get_latest_revision_as_object().body if b.block_type == "image"]
    assert block.value["caption"] == "培训现场"
    client.post(edit, {**form_data(portal_site.channels[0], action="save"), "caption_0": "培训现场", "remove_0": "on"})
    submission.page.refresh_from_db()
    assert [b for b in submission.page.get_latest_revision_as_object().body if b.block_type == "image"] == []


def test_a_photo_needs_a_caption_before_the_submission_goes_to_review(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    channel = portal_site.channels[0]
    response = client.post(reverse("contributions:new"), {**form_data(channel, action="submit"), "new_photos": [upload("现场.jpg", jpeg_with_gps())]},
                           follow=True)
    submission = Submission.objects.get()
    assert submission.page.current_workflow_state is None and submission.first_submitted_at is None
    assert "请为每张照片写上图片说明" in response.content.decode()  # shown on the form, with the photo kept
    assert response.redirect_chain[-1][0] == reverse("contributions:edit", args=[submission.pk])
    assert 'name="caption_0"' in response.content.decode()
    edit = reverse("contributions:edit", args=[submission.pk])
    client.post(edit, {**form_data(channel, action="submit"), "caption_0": "   "})
    assert Submission.objects.get().page.current_workflow_state is None  # blanks are no caption
    assert client.post(edit, {**form_data(channel, action="submit"), "caption_0": "培训现场"})["Location"] == reverse("contributions:mine")
    submission.refresh_from_db()
    assert submission.page.current_workflow_state is not None
    [block] = [b for b in submission.page.get_latest_revision_as_object().body if b.block_type == "image"]
    assert block.value["caption"] == "培训现场"


def test_bad_photos_are_refused_by_name_with_a_reason(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    bomb = BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    files = [
        upload("大图.png", bomb.getvalue(), "image/png"),
        upload("图标.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
        upload("文件.jpg", b"%PDF-1.4\n%%EOF\n", "image/jpeg"),
        upload("太大.jpg", b"\xff\xd8" + b"0" * (12 * 1024 * 1024), "image/jpeg"),
    ]
    response = client.post(reverse("contributions:new"), {**form_data(portal_site.channels[0], action="save"), "new_photos": files})
    html = response.content.decode()
    assert "大图.png：照片超过 4000 万像素" in html
    assert "图标.svg：只能上传 JPEG、PNG 或 WebP 格式的照片" in html
    assert "文件.jpg：只能上传 JPEG、PNG 或 WebP 格式的照片" in html
    assert "太大.jpg：照片超过 10 MB" in html
    assert not Submission.objects.exists()


def test_a_forbidden_word_blocks_and_is_shown_to_the_contributor(client, newsroom, portal_site):
    SensitiveWord.objects.create(word="违禁词", category="forbidden")
    response, submission = submit(client, newsroom.contributor, portal_site.channels[0],
                                  body="<p>这段话里藏着违 禁 词，还有别的内容。</p>")
    html = response.content.decode()
    assert response.status_code == 200
    assert "稿件中有禁止使用的词语：违禁词。请删除后重新提交。" in html
    assert '<mark class="sensitive-forbidden">违 禁 词</mark>' in html
    assert "您的草稿已保存" in html
    assert state_label(client, newsroom.contributor, submission) == ("草稿", "")  # saved, not submitted
    client.post(reverse("contributions:submit", args=[submission.pk]))
    assert state_label(client, newsroom.contributor, submission) == ("草稿", "")


def test_a_hint_word_passes_and_is_highlighted_for_reviewers(client, newsroom, portal_site):
    SensitiveWord.objects.create(word="提醒词", category="hint")
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0], body="<p>正文里有一个提醒词需要核对。</p>")
    assert state_label(client, newsroom.contributor, submission) == ("待初审", "")
    client.force_login(newsroom.first)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[submission.page_id])).content.decode()
    assert "提醒词（提示）" in html
    assert '正文里有一个<mark class="sensitive-hint">提醒词</mark>需要核对。' in html


def test_the_daily_limit_counts_new_submissions_only(client, newsroom, portal_site, settings):
    settings.CONTRIBUTIONS_PER_DAY = 2
    channel = portal_site.channels[0]
    first = submit(client, newsroom.contributor, channel, title="第一篇")[1]
    submit(client, newsroom.contributor, channel, title="第二篇")
    response, third = submit(client, newsroom.contributor, channel, title="第三篇")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert "每天最多提交 2 篇新稿件。您的草稿已保存，请明天再提交。" in response.content.decode()
    assert state_label(client, newsroom.contributor, third) == ("草稿", "")
    # A returned submission sent again does not count.
    act(client, newsroom.first, first, "reject", "请补充照片")
    client.force_login(newsroom.contributor)
    client.post(reverse("contributions:submit", args=[first.pk]))
    assert state_label(client, newsroom.contributor, first) == ("待初审", "")
    # Another contributor has their own count.
    other = make_user("other-contributor")
    assert state_label(client, other, submit(client, other, channel)[1]) == ("待初审", "")


def test_my_submissions_and_the_queue_take_constant_queries(client, newsroom, portal_site):
    def measure() -> tuple[int, int]:
        client.force_login(newsroom.contributor)
        client.get(reverse("contributions:mine"))  # shows (and so clears) the messages of the submits
        with CaptureQueriesContext(connection) as mine:
            assert client.get(reverse("contributions:mine")).status_code == 200
        client.force_login(newsroom.first)
        with CaptureQueriesContext(connection) as queue:
            assert client.get(reverse("contributions_review_queue")).status_code == 200
        return len(mine), len(queue)

    submit(client, newsroom.contributor, portal_site.channels[0])
    small = measure()
    for n in range(6):
        submit(client, newsroom.contributor, portal_site.channels[0], title=f"又一篇稿件{n}", action="submit" if n % 2 else "save")
    assert measure() == small
    assert small[0] <= 20 and small[1] <= 40, small


def test_the_queue_is_oldest_first_with_the_stage_and_waiting_time(client, newsroom, portal_site):
    import datetime as dt

    from django.utils import timezone
    from wagtail.models import TaskState

    submissions = [submit(client, newsroom.contributor, portal_site.channels[0], title=f"稿件{n}")[1] for n in range(3)]
    ages = [dt.timedelta(days=3), dt.timedelta(hours=5), dt.timedelta(minutes=20)]
    for submission, age in zip(submissions, ages, strict=True):
        TaskState.objects.filter(workflow_state__object_id=str(submission.page_id)).update(started_at=timezone.now() - age)
    client.force_login(newsroom.first)
    html = client.get(reverse("contributions_review_queue")).content.decode()
    positions = [html.index(f"稿件{n}") for n in range(3)]
    assert positions == sorted(positions)
    for label in ("3 天", "5 小时", "20 分钟"):
        assert label in html
    assert "审稿队列 (3)" in menu_labels(html)  # the menu tells them how many wait
    client.force_login(newsroom.second)
    assert "没有等待您审核的稿件。" in client.get(reverse("contributions_review_queue")).content.decode()
    # 初审 edits the text, then approves: 复审 sees the change against what was submitted.
    draft = submissions[0].page.get_latest_revision_as_object()
    draft.title = "稿件0（初审改）"
    draft.save_revision(user=newsroom.first)
    act(client, newsroom.first, submissions[0], "approve")
    client.force_login(newsroom.second)
    html = client.get(reverse("contributions_review_queue")).content.decode()
    assert "稿件0" in html and "复审" in html and "审稿队列 (1)" in menu_labels(html)
    compare = re.search(r'href="([^"]*/revisions/compare/[^"]*)"', html).group(1)
    diff = client.get(compare).content.decode()
    assert "稿件0（初审改）" in diff and "稿件0" in diff


def test_a_published_contribution_reads_as_contributed(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0], origin="repost",
                                   source_name="云南日报", original_author="记者甲", original_title="原标题")
    for reviewer in newsroom.stages:
        act(client, reviewer, submission, "approve")
    client.logout()
    html = client.get(f"/a/{submission.page_id}/").content.decode()
    assert "作者来稿" in html and "云南日报" in html and "记者甲" in html and "原标题" in html
    assert ArticlePage.objects.get(pk=submission.page_id).source_type == ArticlePage.SourceType.CONTRIBUTED


def test_saves_with_photos_are_limited_per_hour_and_the_text_is_kept(client, newsroom, portal_site, settings):
    settings.CONTRIBUTION_PHOTO_SAVES = "2/3600"
    client.force_login(newsroom.contributor)
    for _ in range(2):
        photo = upload("现场.jpg", jpeg_with_gps())
        assert client.post(reverse("contributions:new"), {**form_data(portal_site.channels[0], action="save"), "new_photos": [photo]}).status_code == 302
    data = {**form_data(portal_site.channels[0], action="save"), "title": "第三篇带照片的稿件"}
    refused = client.post(reverse("contributions:new"), {**data, "new_photos": [upload("现场.jpg", jpeg_with_gps())]})
    html = refused.content.decode()
    assert refused.status_code == 200 and "最近一小时上传照片的次数太多" in html and "第三篇带照片的稿件" in html
    assert Submission.objects.count() == 2
    # Without photos the draft is saved.
    assert client.post(reverse("contributions:new"), data).status_code == 302 and Submission.objects.count() == 3


def test_a_stored_photo_knows_its_size_without_decoding_it_again(client, newsroom, portal_site):
    client.force_login(newsroom.contributor)
    client.post(reverse("contributions:new"), {**form_data(portal_site.channels[0], action="save"),
                                               "new_photos": [upload("现场.jpg", jpeg_with_gps())]})
    [block] = [b for b in Submission.objects.get().page.get_latest_revision_as_object().body if b.block_type == "image"]
    image = block.value["image"]
    assert (image.width, image.height) == (480, 640) and image.file_size == image.file.size and len(image.file_hash) == 40
