"""三审 end to end: the contributor's real form, the reviewers' real admin views, the
reader's article page."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry, TaskState

from dangjian.contributions.models import StageConflict
from dangjian.portal.models import ArticlePage

from .fixtures import act, current_task_state, edit_form_data, make_user, state_label, submit

STAGE_LABELS = ["待初审", "待复审", "待终审"]


def test_the_whole_path_from_submission_to_publication(client, newsroom, portal_site):
    channel = portal_site.channels[0]
    response, submission = submit(client, newsroom.contributor, channel)
    assert response.status_code == 302
    page = submission.page
    assert (page.live, page.owner, page.source_type) == (False, newsroom.contributor, ArticlePage.SourceType.CONTRIBUTED)
    assert page.get_parent().pk == channel.pk
    # The first stage's reviewers are told (Wagtail's notification to the stage's group).
    assert [m.to for m in mail.outbox] == [["first@example.com"]]

    for reviewer, label in zip(newsroom.stages, STAGE_LABELS, strict=True):
        assert state_label(client, newsroom.contributor, submission) == (label, "")
        assert client.get(f"/a/{page.pk}/").status_code == 404  # not public before 终审
        response = act(client, reviewer, submission, "approve")
        assert response.status_code == 200, response.content

    page.refresh_from_db()
    assert page.live
    assert state_label(client, newsroom.contributor, submission) == ("已发布", "")
    client.logout()
    html = client.get(f"/a/{page.pk}/").content.decode()
    assert "凤庆县开展党员教育培训" in html and "<b>集中培训</b>" in html
    assert re.search(r'class="org">凤庆县教育局</span><span class="author">李老师</span>', html)
    assert "作者来稿" in html
    assert "责任编辑：孙终审" in html
    # Every stage is in Wagtail's audit log, with who did it.
    log = list(PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk").values_list("action", "user_id"))
    assert ("wagtail.workflow.start", newsroom.contributor.pk) in log
    assert [user for action, user in log if action == "wagtail.workflow.approve"] == [u.pk for u in newsroom.stages]
    assert ("wagtail.publish", newsroom.final.pk) in log


def test_an_editor_named_responsible_editor_is_kept(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    act(client, newsroom.first, submission, "approve")
    act(client, newsroom.second, submission, "approve")
    draft = submission.page.get_latest_revision_as_object()
    draft.responsible_editor = "周编辑"
    draft.save_revision(user=newsroom.second)
    act(client, newsroom.final, submission, "approve")
    submission.page.refresh_from_db()
    assert (submission.page.live, submission.page.responsible_editor) == (True, "周编辑")


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_a_return_at_any_stage_shows_the_reason_and_resubmission_starts_again(client, newsroom, portal_site, stage):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    for reviewer in newsroom.stages[:stage]:
        act(client, reviewer, submission, "approve")
    reason = "第二段数据需要核实，<请补充>来源。"
    assert act(client, newsroom.stages[stage], submission, "reject", reason).status_code == 200
    submission.page.refresh_from_db()
    assert not submission.page.live
    state, shown = state_label(client, newsroom.contributor, submission)
    assert state == "退回修改"
    assert shown == "第二段数据需要核实，&lt;请补充&gt;来源。"

    # The contributor edits and submits again: the review starts over at 初审.
    response = client.post(reverse("contributions:edit", args=[submission.pk]), {
        **_edited(submission), "body": "<p>数据已核实，来源：县统计局。</p>",
    })
    assert response.status_code == 302
    assert state_label(client, newsroom.contributor, submission) == ("待初审", "")
    assert current_task_state(submission).task.name == "初审"
    submission.page.refresh_from_db()
    assert "数据已核实" in str(submission.page.get_latest_revision_as_object().body[0].value)


def _edited(submission) -> dict:
    from .fixtures import form_data

    page = submission.page.get_latest_revision_as_object()
    return form_data(page.get_parent(), title=page.title)


def test_a_return_needs_a_reason(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    response = act(client, newsroom.first, submission, "reject", "   ")
    assert "请填写退回原因" in json.loads(response.content)["html"]
    assert current_task_state(submission).status == TaskState.STATUS_IN_PROGRESS


def test_nobody_approves_two_stages_of_the_same_article(client, newsroom, portal_site):
    both = make_user("both", "编辑/初审", "复审", real_name="钱两审")
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    assert act(client, both, submission, "approve").status_code == 200
    task_state = current_task_state(submission)
    assert task_state.task.name == "复审"

    # The admin tells them why, offers no approve button and refuses a forged approve.
    client.force_login(both)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[submission.page_id])).content.decode()
    assert "您已审核通过本稿的初审" in html and "复审须由他人审核" in html
    assert 'name="workflow-action-name" value="approve"' not in html and 'data-workflow-action-name="approve"' not in html
    assert act(client, both, submission, "approve").status_code == 403
    data = {**edit_form_data(client, submission.page_id), "action-workflow-action": "true", "workflow-action-name": "approve"}
    assert client.post(reverse("wagtailadmin_pages:edit", args=[submission.page_id]), data).status_code == 302
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    # Called directly, the task refuses with the same message.
    with pytest.raises(StageConflict, match="复审须由他人审核"):
        task_state.task.specific.on_action(task_state, both, "approve")
    # Someone else approves; the one who did 初审 may still return it at a later stage.
    act(client, newsroom.second, submission, "approve")
    assert act(client, both, submission, "reject", "再核实一下").status_code == 403  # not in the 终审 group
    assert act(client, newsroom.final, submission, "approve").status_code == 200
    submission.page.refresh_from_db()
    assert submission.page.live


def test_reviewers_cannot_act_on_a_stage_that_is_not_current(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    old = current_task_state(submission)
    act(client, newsroom.first, submission, "approve")
    # The 初审 reviewer replays their approve on the finished 初审: it does not approve 复审.
    url = reverse("wagtailadmin_pages:workflow_action", args=(submission.page_id, "approve", old.pk))
    assert client.post(url, {}).status_code in (302, 403)
    assert current_task_state(submission).task.name == "复审"


def test_a_contributor_cannot_publish_or_skip_a_stage(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    page_id, task_state = submission.page_id, current_task_state(submission)
    client.force_login(newsroom.contributor)
    attempts = [
        reverse("wagtailadmin_pages:workflow_action", args=(page_id, "approve", task_state.pk)),
        reverse("wagtailadmin_pages:edit", args=(page_id,)),
        reverse("wagtailadmin_pages:unpublish", args=(page_id,)),
        reverse("wagtailadmin_pages:revisions_index", args=(page_id,)),
        "/admin/bulk/wagtailcore/page/publish/?id=%d" % page_id,
    ]
    for url in attempts:
        response = client.post(url, {"action-publish": "1", "workflow-action-name": "approve", "action-workflow-action": "1"})
        assert response.status_code in (302, 403), url
        assert "/admin/login/" in response.get("Location", "/admin/login/"), url
    # The public side: what is in review cannot be changed, submitted again or published.
    for url, data in [
        (reverse("contributions:edit", args=[submission.pk]), {"title": "改", "live": "1", "action": "submit"}),
        (reverse("contributions:submit", args=[submission.pk]), {"live": "1"}),
    ]:
        client.post(url, data)
    submission.page.refresh_from_db()
    assert not submission.page.live
    assert current_task_state(submission).pk == task_state.pk
    assert submission.page.get_latest_revision_as_object().title == "凤庆县开展党员教育培训"


def test_someone_elses_submission_is_not_found(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    client.force_login(make_user("other"))
    for name in ("edit", "preview"):
        assert client.get(reverse(f"contributions:{name}", args=[submission.pk])).status_code == 404
    for name in ("submit", "withdraw"):
        assert client.post(reverse(f"contributions:{name}", args=[submission.pk])).status_code == 404


@pytest.mark.parametrize("who", ["final", "superuser"])
def test_publishing_directly_while_in_review_is_refused(client, newsroom, portal_site, who):
    """The 终审 reviewer at their own stage, or a superuser at any stage: publishing is the
    final approval's job (publishing directly would cancel the review)."""
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    if who == "final":
        act(client, newsroom.first, submission, "approve")
        act(client, newsroom.second, submission, "approve")
        user = newsroom.final
    else:
        user = make_user("root", is_superuser=True, is_staff=True)
    stage = current_task_state(submission).pk
    client.force_login(user)
    data = {**edit_form_data(client, submission.page_id), "title": "改过的标题", "action-publish": "action-publish"}
    response = client.post(reverse("wagtailadmin_pages:edit", args=[submission.page_id]), data, follow=True)
    assert "不能直接发布，须由终审通过后发布" in response.content.decode()
    submission.page.refresh_from_db()
    assert not submission.page.live
    assert submission.page.get_latest_revision_as_object().title == "改过的标题"  # nothing typed is lost
    assert current_task_state(submission).pk == stage


def test_withdraw_then_edit_and_submit_again(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    act(client, newsroom.first, submission, "approve")
    client.force_login(newsroom.contributor)
    assert client.post(reverse("contributions:withdraw", args=[submission.pk])).status_code == 302
    assert state_label(client, newsroom.contributor, submission) == ("已撤回", "")
    assert submission.page.current_workflow_state is None
    client.force_login(newsroom.first)
    assert "没有等待您审核的稿件" in client.get(reverse("contributions_review_queue")).content.decode()
    client.force_login(newsroom.contributor)
    assert client.post(reverse("contributions:submit", args=[submission.pk])).status_code == 302
    assert state_label(client, newsroom.contributor, submission) == ("待初审", "")
    # Once published, it can no longer be withdrawn here.
    for reviewer in newsroom.stages:
        act(client, reviewer, submission, "approve")
    client.force_login(newsroom.contributor)
    client.post(reverse("contributions:withdraw", args=[submission.pk]))
    submission.page.refresh_from_db()
    assert submission.page.live


def test_a_scheduled_go_live_time_is_kept_by_the_final_approval(client, newsroom, portal_site):
    """An editor sets the publish time during review; 终审 approves; the scheduler (started
    by `dangjian serve`, tested in core/tests/test_background.py) publishes it then."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Revision

    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    act(client, newsroom.first, submission, "approve")
    draft = submission.page.get_latest_revision_as_object()
    draft.go_live_at = timezone.now() + dt.timedelta(hours=1)
    draft.save_revision(user=newsroom.first)
    act(client, newsroom.second, submission, "approve")
    act(client, newsroom.final, submission, "approve")
    submission.page.refresh_from_db()
    assert not submission.page.live
    scheduled = Revision.page_revisions.get(object_id=str(submission.page_id), approved_go_live_at__isnull=False)
    call_command("publish_scheduled", verbosity=0)
    submission.page.refresh_from_db()
    assert not submission.page.live  # not yet
    # The hour passes: the scheduled time moved into the past, rather than waited for.
    scheduled.approved_go_live_at = timezone.now() - dt.timedelta(seconds=1)
    scheduled.content["go_live_at"] = scheduled.approved_go_live_at.isoformat()
    scheduled.save(update_fields=["approved_go_live_at", "content"])
    call_command("publish_scheduled", verbosity=0)
    submission.page.refresh_from_db()
    assert submission.page.live and submission.page.responsible_editor == "孙终审"


def test_bulk_publishing_an_article_in_review_is_refused(client, newsroom, portal_site):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    url = f"/admin/bulk/wagtailcore/page/publish/?id={submission.page_id}&next=/admin/"
    response = client.post(url, {"include_descendants": ""}, follow=True)
    assert "其中有稿件正在三审流程中，不能直接发布" in response.content.decode()
    submission.page.refresh_from_db()
    assert not submission.page.live
    assert current_task_state(submission).task.name == "初审"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "/%5Cevil.example", "javascript:alert(1)",
                                    "/\\evil.example", "http:evil.example"])
def test_the_bulk_publish_refusal_stays_on_the_site(client, newsroom, portal_site, target):
    _response, submission = submit(client, newsroom.contributor, portal_site.channels[0])
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    response = client.post(f"/admin/bulk/wagtailcore/page/publish/?id={submission.page_id}&next={quote(target)}",
                           {"include_descendants": ""})
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_explore_root")
    # A target on the site is kept.
    response = client.post(f"/admin/bulk/wagtailcore/page/publish/?id={submission.page_id}&next=/admin/pages/",
                           {"include_descendants": ""})
    assert response["Location"] == "/admin/pages/"
