"""The 三审 workflow's rules that Wagtail leaves to the site: a reason for every return,
separation of duties, and the responsible editor (责任编辑) recorded at publication."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.forms import TaskStateCommentForm
from wagtail.models import TaskState


class RejectForm(TaskStateCommentForm):
    comment = forms.CharField(
        label=gettext_lazy("Reason for returning"), max_length=2000, widget=forms.Textarea({"rows": 3}),
        help_text=gettext_lazy("The contributor sees this reason."),
        error_messages={"required": gettext_lazy("Please give the reason: the contributor sees it.")},
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError(self.fields["comment"].error_messages["required"])
        return comment


class ReasonRequired(PermissionDenied):
    pass


def review_action_check(*, task, task_state, user, action_name: str, comment: str = "") -> None:
    """Refuse what the admin's own views would not offer, for every caller: an action on a
    task state that is not the current one of its review (an old id in a forged POST), an
    approve by someone who approved another stage, a return without a reason."""
    workflow_state = task_state.workflow_state
    if task_state.status != TaskState.STATUS_IN_PROGRESS or workflow_state.current_task_state_id != task_state.pk:
        raise PermissionDenied(_("This stage is not waiting for review."))
    if action_name == "approve" and (approved := task.approved_other_stage(workflow_state, user)):
        from .models import StageConflict

        raise StageConflict(task.conflict_message(approved))
    if action_name == "reject" and not (comment or "").strip():
        raise ReasonRequired(_("Please give the reason: the contributor sees it."))
