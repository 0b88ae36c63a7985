"""Reading contributions: the contributor's "我的投稿" and a reviewer's queue. Both in a
constant number of queries, whatever the number of submissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.models import Page, TaskState, WorkflowState

from dangjian.portal.selectors import published_channels

from .models import Submission


def accepting_channels():
    """Published channels that accept contributions, in tree order."""
    return published_channels().filter(accepts_contributions=True)


@dataclass
class SubmissionRow:
    submission: Submission
    state: str  # draft, review, returned, published, withdrawn
    label: str
    reason: str = ""
    editable: bool = False

    @property
    def withdrawable(self) -> bool:
        return self.state in ("draft", "review", "returned")


def _active_states(page_ids: list[int]) -> dict[int, WorkflowState]:
    states = (
        WorkflowState.objects.active().filter(base_content_type__model="page", base_content_type__app_label="wagtailcore",
                                              object_id__in=[str(pk) for pk in page_ids])
        .select_related("current_task_state__task")
    )
    return {int(state.object_id): state for state in states}


def submission_rows(*, contributor) -> list[SubmissionRow]:
    submissions = list(Submission.objects.filter(contributor=contributor).select_related("page").order_by("-updated_at"))
    states = _active_states([s.page_id for s in submissions])
    rows = []
    for submission in submissions:
        page, state = submission.page, states.get(submission.page_id)
        if page.live:
            rows.append(SubmissionRow(submission, "published", pgettext("submission", "Published")))
        elif submission.withdrawn_at:
            rows.append(SubmissionRow(submission, "withdrawn", pgettext("submission", "Withdrawn"), editable=not page.first_published_at))
        elif state and state.status == WorkflowState.STATUS_IN_PROGRESS:
            stage = state.current_task_state.task.name if state.current_task_state else ""
            rows.append(SubmissionRow(submission, "review", pgettext("submission", "Awaiting %(stage)s") % {"stage": stage}))
        elif state and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            reason = state.current_task_state.comment if state.current_task_state else ""
            rows.append(SubmissionRow(submission, "returned", pgettext("submission", "Returned for changes"), reason=reason, editable=True))
        elif page.first_published_at:
            rows.append(SubmissionRow(submission, "unpublished", pgettext("submission", "Taken offline")))
        else:
            rows.append(SubmissionRow(submission, "draft", pgettext("submission", "Draft"), editable=True))
    return rows


@dataclass
class QueueItem:
    task_state: TaskState
    page: Page
    waiting: dt.timedelta
    approved_stage: str  # the other stage this reviewer approved: they may not approve this one
    compare_url: str

    @property
    def stage(self) -> str:
        return self.task_state.task.name


def _waiting(user):
    return TaskState.objects.reviewable_by(user).filter(
        status=TaskState.STATUS_IN_PROGRESS, workflow_state__status=WorkflowState.STATUS_IN_PROGRESS
    )


def review_queue(*, user) -> list[QueueItem]:
    """Everything waiting at a stage `user` reviews, across every channel, oldest first."""
    task_states = list(
        _waiting(user).select_related("task", "workflow_state__requested_by", "revision").order_by("started_at", "pk")
    )
    pages = Page.objects.in_bulk([int(ts.workflow_state.object_id) for ts in task_states])
    approved = {}
    for workflow_state_id, task_id, name in TaskState.objects.filter(
        workflow_state__in=[ts.workflow_state_id for ts in task_states], status=TaskState.STATUS_APPROVED, finished_by=user,
    ).values_list("workflow_state_id", "task_id", "task__name"):
        approved.setdefault(workflow_state_id, []).append((task_id, name))
    first_revisions: dict[int, int] = {}  # the revision the contributor submitted, for the diff
    for workflow_state_id, revision_id in (
        TaskState.objects.filter(workflow_state__in=[ts.workflow_state_id for ts in task_states])
        .order_by("started_at", "pk").values_list("workflow_state_id", "revision_id")
    ):
        first_revisions.setdefault(workflow_state_id, revision_id)
    now = timezone.now()
    items = []
    for task_state in task_states:
        page = pages.get(int(task_state.workflow_state.object_id))
        if page is None:
            continue
        other = [name for task_id, name in approved.get(task_state.workflow_state_id, []) if task_id != task_state.task_id]
        first = first_revisions.get(task_state.workflow_state_id)
        compare = ""
        if first and first != page.latest_revision_id:
            compare = reverse("wagtailadmin_pages:revisions_compare", args=(page.pk, first, page.latest_revision_id))
        items.append(QueueItem(task_state, page, now - task_state.started_at, other[0] if other else "", compare))
    return items


def review_queue_count(*, user) -> int:
    return _waiting(user).count()


def waiting_label(waiting: dt.timedelta) -> str:
    minutes = int(waiting.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d minutes") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)d hours") % {"n": minutes // 60}
    return _("%(n)d days") % {"n": minutes // (24 * 60)}
