"""The end of a 三审 review (WAGTAIL_FINISH_WORKFLOW_ACTION). Wagtail imports this while its
own models load, so nothing here imports models at module level."""

from __future__ import annotations


def reviewer_name(user) -> str:
    return (user.real_name or user.display_name or user.get_full_name() or user.get_username()).strip()[:50]


def publish_reviewed(workflow_state, user=None) -> None:
    """Publish the approved revision, with the final approver as 责任编辑 unless an editor
    named one. The name goes into a new revision (the approved one stays as it was
    reviewed), published in the same transaction as the approval."""
    from dangjian.portal.models import ArticlePage

    revision = workflow_state.content_object.get_latest_revision()
    page = revision.as_object()
    if isinstance(page, ArticlePage) and user is not None and not page.responsible_editor.strip():
        page.responsible_editor = reviewer_name(user)
        revision = page.save_revision(user=user, clean=False, log_action=False, previous_revision=None)
    revision.publish(user=user)
