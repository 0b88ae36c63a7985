from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

from dangjian.core.redirects import safe_next
from dangjian.core.viewsets import ListViewSet
from dangjian.portal.models import ArticlePage
from dangjian.portal.selectors import article_text

from .admin_views import ReviewQueueView
from .models import ReviewTask, SensitiveWord, Submission
from .screening import in_context, screen
from .selectors import review_queue_count, submission_rows


class SensitiveWordViewSet(ListViewSet):
    model = SensitiveWord
    icon = "warning"
    menu_label = gettext_lazy("Sensitive words")
    form_fields = ["word", "category", "note"]
    list_display = ["word", "category", "note", "changed_at", "changed_by"]
    list_filter = ["category"]
    search_fields = ["word", "note"]


@hooks.register("register_admin_viewset")
def register_sensitive_words():
    return SensitiveWordViewSet("sensitive_words")


@hooks.register("register_admin_urls")
def register_urls():
    return [path("review/", ReviewQueueView.as_view(), name="contributions_review_queue")]


class ReviewQueueMenuItem(MenuItem):
    """Shown to reviewers, with the number of articles waiting for them: the notice of a
    new assignment in the admin (Wagtail also e-mails the stage's group)."""

    def is_shown(self, request):
        return request.user.is_superuser or request.user.groups.filter(reviewtask__active=True).exists()

    def render_component(self, request):
        count = review_queue_count(user=request.user)
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItemComponent(self.name, label, self.url, icon_name=self.icon_name, classname=self.classname, attrs=self.attrs)


@hooks.register("register_admin_menu_item")
def review_queue_menu_item():
    return ReviewQueueMenuItem(gettext_lazy("Review queue"), reverse("contributions_review_queue"), icon_name="tasks", order=150)


def _sensitive_words_message(page) -> str:
    """The words found, then each where it is used, highlighted."""
    text = f"{page.title}\n{article_text(page)}"
    matches = screen(text)
    if not matches:
        return ""
    words = list(dict.fromkeys((m.word, SensitiveWord.Category(m.category).label) for m in matches))
    return format_html(
        "{}{}<br>{}", format_html_join("、", "{}（{}）", words), _(": sensitive words in this article. Please check before publishing."),
        format_html_join(mark_safe("<br>"), "{}", ((snippet,) for snippet in in_context(text, matches, limit=20))),
    )


def _warn_sensitive_words(request, page):
    """Staff are warned, not stopped: the words found in what they just saved."""
    page = page.specific
    if isinstance(page, ArticlePage) and (message := _sensitive_words_message(page.get_latest_revision_as_object())):
        messages.warning(request, message)


hooks.register("after_create_page", _warn_sensitive_words)
hooks.register("after_edit_page", _warn_sensitive_words)


@hooks.register("before_edit_page")
def review_notices(request, page):
    """Opening an article in review: the sensitive words in it, and whether this reviewer
    may approve the current stage."""
    if request.method != "GET":
        return None
    page = page.specific
    task_state = page.current_workflow_task_state
    if task_state is None:
        return None
    task = task_state.task.specific
    if isinstance(task, ReviewTask) and (approved := task.approved_other_stage(task_state.workflow_state, request.user)):
        messages.warning(request, task.conflict_message(approved))
    if isinstance(page, ArticlePage) and (message := _sensitive_words_message(page.get_latest_revision_as_object())):
        messages.warning(request, message)
    return None


@hooks.register("before_publish_page")
def only_the_review_publishes(request, page):
    """While an article is in 三审, publishing it directly would skip the stages left (and
    Wagtail would cancel the review): only the final stage's approval publishes it."""
    task_state = page.current_workflow_task_state
    if task_state is not None and isinstance(task_state.task.specific, ReviewTask):
        messages.error(request, _("This article is in review (%(stage)s): it is published by the final review's approval, not directly. Your changes are saved.")
                       % {"stage": task_state.task.name})
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_bulk_action")
def no_bulk_publish_in_review(request, action_type, objects, action_class_instance):
    if action_type == "publish" and any(
        (state := getattr(obj, "current_workflow_task_state", None)) and isinstance(state.task.specific, ReviewTask) for obj in objects
    ):
        messages.error(request, _("Some of these articles are in review: they are published by the final review's approval, not directly."))
        return redirect(safe_next(request, request.GET.get("next"), default=reverse("wagtailadmin_explore_root")))
    return None


@hooks.register("dangjian_account_links")
def account_links(request) -> list[tuple[str, str]]:
    return [(_("My contributions"), reverse("contributions:mine"))]


@hooks.register("dangjian_account_export")
def export_submissions(user) -> dict:
    return {"contributions": [
        {"title": row.submission.page.title, "state": row.label, "article": f"/a/{row.submission.page_id}/",
         "contact_phone": row.submission.contact_phone, "created": row.submission.created_at.isoformat(),
         "first_submitted": row.submission.first_submitted_at.isoformat() if row.submission.first_submitted_at else None}
        for row in submission_rows(contributor=user)
    ]}


@hooks.register("dangjian_account_delete")
def forget_contact_phones(user) -> None:
    """The articles stay (their byline is part of what was published); how to reach the
    person does not."""
    Submission.objects.filter(contributor=user).update(contact_phone="")
