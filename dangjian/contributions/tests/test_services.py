"""The contribution services called directly, as views, admin hooks and commands call them:
each refusal with its Chinese message, and nothing saved changed by a refused call."""

from __future__ import annotations

import pytest
from django.utils import translation

from dangjian.contributions import services
from dangjian.contributions.models import SensitiveWord, Submission
from dangjian.contributions.services import SubmissionContent, SubmissionError
from dangjian.contributions.tests.fixtures import make_user


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def content(channel, **overrides) -> SubmissionContent:
    values = dict(title="凤庆县开展党员教育培训", channel=channel, body="<p>近日，凤庆县组织党员集中培训。</p>",
                  author="李老师", organization="凤庆县教育局", contact_phone="13800138000", declared=True)
    return SubmissionContent(**values | overrides)


def test_a_draft_is_saved_submitted_withdrawn_and_submitted_again(newsroom, portal_site):
    contributor, channel = newsroom.contributor, portal_site.channels[0]
    submission = services.submission_save(contributor=contributor, content=content(channel))
    page = submission.page.specific
    assert not page.live and page.get_latest_revision_as_object().title == "凤庆县开展党员教育培训"
    assert services.submission_editable(submission)

    state = services.submission_submit(contributor=contributor, submission=submission)
    submission.refresh_from_db()
    assert state.status == state.STATUS_IN_PROGRESS and submission.first_submitted_at is not None
    assert not services.submission_editable(submission)
    with pytest.raises(SubmissionError, match="审核中或已发布的稿件不能修改"):
        services.submission_save(contributor=contributor, content=content(channel, title="改了"), submission=submission)

    services.submission_withdraw(contributor=contributor, submission=submission)
    submission.refresh_from_db()
    assert submission.withdrawn_at is not None and submission.page.current_workflow_state is None
    services.submission_save(contributor=contributor, content=content(channel, title="改过的标题"), submission=submission)
    services.submission_submit(contributor=contributor, submission=submission)
    assert Submission.objects.get(pk=submission.pk).page.get_latest_revision_as_object().title == "改过的标题"


def test_who_may_contribute_where(newsroom, portal_site):
    unverified = make_user("unverified", phone_verified=False)
    with pytest.raises(SubmissionError, match="投稿需要先验证手机号"):
        services.submission_save(contributor=unverified, content=content(portal_site.channels[0]))
    with pytest.raises(SubmissionError, match="这个栏目不接受投稿"):
        services.submission_save(contributor=newsroom.contributor, content=content(portal_site.channels[1]))
    mine = services.submission_save(contributor=newsroom.contributor, content=content(portal_site.channels[0]))
    other = make_user("other")
    for call in (lambda: services.submission_save(contributor=other, content=content(portal_site.channels[0]), submission=mine),
                 lambda: services.submission_submit(contributor=other, submission=mine),
                 lambda: services.submission_withdraw(contributor=other, submission=mine)):
        with pytest.raises(SubmissionError, match="这不是您的稿件"):
            call()
    assert Submission.objects.count() == 1


def test_submitting_needs_the_declaration_and_no_forbidden_word(newsroom, portal_site):
    channel = portal_site.channels[0]
    undeclared = services.submission_save(contributor=newsroom.contributor, content=content(channel, declared=False))
    with pytest.raises(SubmissionError, match="提交前请勾选声明"):
        services.submission_submit(contributor=newsroom.contributor, submission=undeclared)
    SensitiveWord.objects.create(word="违禁词", category=SensitiveWord.Category.FORBIDDEN)
    flagged = services.submission_save(contributor=newsroom.contributor, content=content(channel, body="<p>这里有违禁词。</p>"))
    with pytest.raises(services.ForbiddenWords, match="稿件中有禁止使用的词语：违禁词"):
        services.submission_submit(contributor=newsroom.contributor, submission=flagged)
    for submission in (undeclared, flagged):
        submission.refresh_from_db()
        assert submission.first_submitted_at is None and submission.page.current_workflow_state is None


def test_new_submissions_count_against_the_daily_limit_resubmissions_do_not(newsroom, portal_site, settings):
    settings.CONTRIBUTIONS_PER_DAY = 1
    channel, contributor = portal_site.channels[0], newsroom.contributor
    first = services.submission_save(contributor=contributor, content=content(channel))
    services.submission_submit(contributor=contributor, submission=first)
    second = services.submission_save(contributor=contributor, content=content(channel, title="第二篇"))
    with pytest.raises(SubmissionError, match="每天最多提交 1 篇新稿件"):
        services.submission_submit(contributor=contributor, submission=second)
    services.submission_withdraw(contributor=contributor, submission=first)
    services.submission_submit(contributor=contributor, submission=first)  # a resubmission: not counted
    second.refresh_from_db()
    assert second.first_submitted_at is None


def test_too_many_photos_are_refused_before_anything_is_stored(newsroom, portal_site):
    photos = [services.Photo(caption=str(n)) for n in range(services.MAX_PHOTOS + 1)]
    with pytest.raises(SubmissionError, match=f"每篇稿件最多 {services.MAX_PHOTOS} 张照片"):
        services.submission_save(contributor=newsroom.contributor, content=content(portal_site.channels[0], photos=photos))
    assert not Submission.objects.exists()
