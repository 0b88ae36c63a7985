"""The contributor's pages on the public site: 我的投稿, the submission form, preview,
withdraw. Thin: the rules are in services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.portal.selectors import article_text

from . import services
from .forms import SubmissionForm
from .models import Submission
from .screening import highlight, screen
from .selectors import accepting_channels, submission_rows


def contributor_required(view):
    """Logged in (else to the phone login, coming back here) and never cached."""
    return never_cache(login_required(view, login_url="accounts:login"))


def _own(request, submission_id: int) -> Submission:
    submission = get_object_or_404(Submission.objects.select_related("page"), pk=submission_id)
    if submission.contributor_id != request.user.pk:
        raise Http404  # someone else's submission: not even its existence is told
    return submission


@contributor_required
def my_submissions(request):
    return render(request, "contributions/my_submissions.html", {
        "rows": submission_rows(contributor=request.user), "can_contribute": request.user.phone_verified,
        "has_channels": accepting_channels().exists(),
    })


def _national(phone: str | None) -> str:
    return phone[3:] if phone and phone.startswith("+86") else (phone or "")


@contributor_required
def submission_new(request):
    return _edit(request, None)


@contributor_required
def submission_edit(request, submission_id: int):
    return _edit(request, _own(request, submission_id))


def _edit(request, submission: Submission | None):
    if not request.user.phone_verified:
        return render(request, "contributions/verify_phone.html")
    if submission and not services.submission_editable(submission):
        messages.info(request, _("This submission is in review or published and cannot be changed now."))
        return redirect("contributions:mine")
    if request.method != "POST":
        return _form_page(request, submission)
    action = request.POST.get("action", "save")
    photos = SubmissionForm.photos_of(submission.page.get_latest_revision_as_object()) if submission else []
    refused = services.contribution_photos_reserve(contributor=request.user) if request.FILES.getlist("new_photos") else None
    form = SubmissionForm(request.POST, request.FILES if refused is None else None, photos=photos, submitting=action == "submit")
    if refused is not None:
        form.is_valid()  # the rest of the form is checked and shown again; nothing is saved
        form.add_error("new_photos", _("You have uploaded photos many times in the last hour; please add photos again in %(minutes)d minutes.")
                       % {"minutes": max(1, -(-refused.retry_after // 60))})
    elif form.is_valid():
        try:
            submission = services.submission_save(contributor=request.user, content=form.content(), submission=submission)
        except services.SubmissionError as refusal:
            form.add_error(None, str(refusal))
        else:
            if action == "submit":
                try:
                    services.submission_submit(contributor=request.user, submission=submission)
                except services.ForbiddenWords as refusal:
                    return _form_page(request, submission, blocked=refusal)
                except services.SubmissionError as refusal:
                    messages.error(request, str(refusal))
                    return redirect("contributions:edit", submission.pk)
                messages.success(request, _("Submitted. The editors will review it; you can follow it here."))
                return redirect("contributions:mine")
            if action == "preview":
                return redirect("contributions:preview", submission.pk)
            messages.success(request, _("Draft saved."))
            return redirect("contributions:edit", submission.pk)
    return render(request, "contributions/submission_form.html", {"form": form, "submission": submission, "photos": photos})


def _form_page(request, submission: Submission | None, *, blocked: services.ForbiddenWords | None = None):
    """The form, filled from the saved draft (or the contributor's profile for a new one).
    After a refusal for 禁止 words the draft is saved and the words are marked in it."""
    context = {"submission": submission, "photos": [], "blocked": blocked}
    if submission is None:
        user = request.user
        context["form"] = SubmissionForm(initial={"author": user.real_name or user.display_name, "organization": user.organization,
                                                  "contact_phone": _national(user.phone)})
    else:
        page = submission.page.get_latest_revision_as_object()
        context["photos"] = SubmissionForm.photos_of(page)
        context["form"] = SubmissionForm(initial=SubmissionForm.initial_from(page, submission), photos=context["photos"])
        if blocked is not None:
            text = f"{page.title}\n{article_text(page)}"
            context["blocked_text"] = highlight(text, screen(text))
    return render(request, "contributions/submission_form.html", context)


@contributor_required
def submission_preview(request, submission_id: int):
    submission = _own(request, submission_id)
    page = submission.page.get_latest_revision_as_object()
    request.is_preview = True
    request.preview_mode = page.default_preview_mode
    response = page.serve_preview(request, page.default_preview_mode)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@contributor_required
def submission_withdraw(request, submission_id: int):
    submission = _own(request, submission_id)
    try:
        services.submission_withdraw(contributor=request.user, submission=submission)
    except services.SubmissionError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Withdrawn. You can edit it and submit it again."))
    return redirect("contributions:mine")


@require_POST
@contributor_required
def submission_submit(request, submission_id: int):
    """Submit a saved draft from 我的投稿 (no changes)."""
    submission = _own(request, submission_id)
    try:
        services.submission_submit(contributor=request.user, submission=submission)
    except services.SubmissionError as refusal:
        messages.error(request, str(refusal))
        return redirect("contributions:edit", submission.pk)
    messages.success(request, _("Submitted. The editors will review it; you can follow it here."))
    return redirect("contributions:mine")
