"""Contributions (来稿): sensitive-word lists, submissions and the 三审 review task.

A submission's content (title, channel, body, photos, byline, source) lives where every
article's does: in the ArticlePage and its revisions. `Submission` holds only what the
page has no place for: who contributed, how to reach them, their declaration and whether
they withdrew it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, TaskState

from dangjian.core.models import WordListEntry


class SensitiveWord(WordListEntry):
    class Category(models.TextChoices):
        # A submission containing it is refused, with the word shown to the contributor.
        FORBIDDEN = "forbidden", pgettext_lazy("sensitive word", "Forbidden")
        # The submission goes through; reviewers see the word highlighted.
        HINT = "hint", pgettext_lazy("sensitive word", "Hint")

    word = models.CharField(
        _("Word"), max_length=50, unique=True,
        error_messages={"unique": _("This word is already in the list.")},
    )
    category = models.CharField(_("Category"), max_length=10, choices=Category.choices, default=Category.HINT)
    class Meta:
        verbose_name = _("Sensitive word")
        verbose_name_plural = _("Sensitive words")
        ordering = ["category", "word"]


class Submission(models.Model):
    class Origin(models.TextChoices):
        ORIGINAL = "original", pgettext_lazy("submission origin", "Original")
        REPOST = "repost", pgettext_lazy("submission origin", "Repost")

    page = models.OneToOneField("portal.ArticlePage", verbose_name=_("Article"), on_delete=models.CASCADE, related_name="submission")
    # The account row outlives its deletion (accounts.services.user_delete anonymizes it).
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Contributor"), on_delete=models.PROTECT, related_name="submissions")
    contact_phone = models.CharField(_("Contact phone"), max_length=20)
    origin = models.CharField(_("Original or repost"), max_length=10, choices=Origin.choices, default=Origin.ORIGINAL)
    declared_at = models.DateTimeField(_("Declaration accepted"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Last saved"), auto_now=True)
    first_submitted_at = models.DateTimeField(_("First submitted"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("Withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("Submission")
        verbose_name_plural = _("Submissions")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.page.title


class StageConflict(PermissionDenied):
    """The reviewer already approved another stage of this review: 三审 needs three people."""


class ReviewTask(AbstractGroupApprovalTask):
    """One stage of 三审 (初审, 复审, 终审): Wagtail's group approval, plus separation of
    duties. Whoever approved one stage of a review cannot approve another stage of the
    same review; they may still request changes. The check runs where Wagtail asks which
    actions a user has (so the admin shows no approve button and refuses a forged POST)
    and again when the action runs (for every other caller)."""

    class Meta:
        verbose_name = _("Review stage")
        verbose_name_plural = _("Review stages")

    @classmethod
    def get_description(cls):
        return _("A stage of the three-stage review: members of the chosen groups approve it, and nobody approves two stages of the same article.")

    def approved_other_stage(self, workflow_state, user) -> TaskState | None:
        return (
            TaskState.objects.filter(workflow_state=workflow_state, status=TaskState.STATUS_APPROVED, finished_by=user)
            .exclude(task=self).select_related("task").first()
        )

    def conflict_message(self, approved: TaskState) -> str:
        return gettext("You approved the %(stage)s of this article; under the three-stage review the %(this)s must be approved by someone else.") % {
            "stage": approved.task.name, "this": self.name,
        }

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        workflow_state = obj.current_workflow_state if actions else None
        if workflow_state and self.approved_other_stage(workflow_state, user):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def get_form_for_action(self, action):
        if action == "reject":
            from .workflow import RejectForm

            return RejectForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        from .workflow import review_action_check

        review_action_check(task=self, task_state=task_state, user=user, action_name=action_name, comment=kwargs.get("comment", ""))
        return super().on_action(task_state, user, action_name, **kwargs)
