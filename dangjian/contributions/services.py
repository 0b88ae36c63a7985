"""What contributors do: save a draft, submit it for 三审, withdraw it. Each is one
transaction, called alike by the public views, tests and any future API.

The submission's content goes into an ArticlePage revision (source type 作者来稿, owned by
the contributor), as an editor's would; reviewers then work on it in Wagtail's admin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.models import Collection, WorkflowState
from wagtail.rich_text import RichText
from wagtail.utils.file import hash_filelike

from dangjian.accounts.limits import Limit, Refusal, counters, limits_from_spec
from dangjian.portal.models import ArticlePage, ChannelPage
from dangjian.portal.selectors import article_text

from .models import Submission
from .photos import CleanPhoto
from .screening import Match, forbidden, screen

MAX_PHOTOS = 20
PHOTO_COLLECTION = "来稿图片"


@dataclass
class Photo:
    """A photo of the submission: one already stored (image) or a new, cleaned upload."""

    caption: str = ""
    image: object | None = None
    upload: CleanPhoto | None = None


@dataclass
class SubmissionContent:
    title: str
    channel: ChannelPage
    body: str  # sanitized rich text (sanitize.rich_text_from_html)
    author: str
    organization: str
    contact_phone: str
    origin: str = Submission.Origin.ORIGINAL
    source_name: str = ""
    source_url: str = ""
    original_author: str = ""
    original_title: str = ""
    photos: list[Photo] = field(default_factory=list)
    declared: bool = False


class SubmissionError(PermissionDenied):
    """A refusal the contributor is shown as it is."""


class ForbiddenWords(SubmissionError):
    def __init__(self, matches: list[Match]):
        self.matches = matches
        super().__init__(_("The submission contains forbidden words: %(words)s. Please remove them and submit again.")
                         % {"words": "、".join(forbidden(matches))})


def submission_editable(submission: Submission) -> bool:
    """Drafts, returned and withdrawn submissions; not while in review or once published."""
    page = submission.page
    if page.live or page.first_published_at:
        return False
    state = page.current_workflow_state
    return state is None or state.status == WorkflowState.STATUS_NEEDS_CHANGES


def _photo_collection() -> Collection:
    collection = Collection.objects.filter(name=PHOTO_COLLECTION).first()
    return collection or Collection.get_first_root_node().add_child(name=PHOTO_COLLECTION)


def _stored_photos(*, contributor, photos: list[Photo]) -> list[Photo]:
    collection = None
    for photo in photos:
        if photo.image is None and photo.upload is not None:
            collection = collection or _photo_collection()
            photo.image = _image_create(upload=photo.upload, title=(photo.caption or PHOTO_COLLECTION)[:255],
                                        collection=collection, contributor=contributor)
    return [photo for photo in photos if photo.image is not None]


def _image_create(*, upload: CleanPhoto, title: str, collection: Collection, contributor):
    """A Wagtail image of a cleaned photo. The file is stored first and the image made with
    its name and size: handed a file, Django would ask Wagtail for the dimensions twice, and
    Wagtail decodes the whole image each time (Willow's open loads every pixel)."""
    Image = get_image_model()
    storage = Image._meta.get_field("file").storage
    upload.file.seek(0)
    file_hash = hash_filelike(upload.file)
    upload.file.seek(0, 2)
    file_size = upload.file.tell()
    upload.file.seek(0)
    name = storage.save(Image(title=title).get_upload_to(upload.name), File(upload.file))
    return Image.objects.create(title=title, collection=collection, uploaded_by_user=contributor, file=name,
                                width=upload.width, height=upload.height, file_size=file_size, file_hash=file_hash)


def _fill(page: ArticlePage, content: SubmissionContent, photos: list[Photo]) -> None:
    page.title = content.title
    page.draft_title = content.title
    page.source_type = ArticlePage.SourceType.CONTRIBUTED
    page.byline_author = content.author
    page.byline_organization = content.organization
    repost = content.origin == Submission.Origin.REPOST
    page.source_name = content.source_name if repost else ""
    page.source_url = content.source_url if repost else ""
    page.original_author = content.original_author if repost else ""
    page.original_title = content.original_title if repost else ""
    blocks = [("text", RichText(content.body))] if content.body else []
    blocks += [("image", {"image": photo.image, "caption": photo.caption}) for photo in photos]
    page.body = blocks


@transaction.atomic
def submission_save(*, contributor, content: SubmissionContent, submission: Submission | None = None) -> Submission:
    """Create or update the draft: a new revision of the article, nothing published."""
    if not contributor.phone_verified:
        raise SubmissionError(_("Contributing needs a verified mobile number."))
    if not content.channel.accepts_contributions or not content.channel.live:
        raise SubmissionError(_("This channel does not accept contributions."))
    if len(content.photos) > MAX_PHOTOS:
        raise SubmissionError(_("At most %(count)d photos per submission.") % {"count": MAX_PHOTOS})
    if submission is not None:
        submission = Submission.objects.select_for_update().select_related("page").get(pk=submission.pk)
        if submission.contributor_id != contributor.pk:
            raise SubmissionError(_("This is not your submission."))
        if not submission_editable(submission):
            raise SubmissionError(_("A submission in review or published cannot be changed; withdraw it first."))
    photos = _stored_photos(contributor=contributor, photos=content.photos)
    if submission is None:
        page = ArticlePage(owner=contributor, live=False, has_unpublished_changes=True)
        _fill(page, content, photos)
        content.channel.add_child(instance=page)
        submission = Submission(page=page, contributor=contributor)
    else:
        page = submission.page.get_latest_revision_as_object()
        if page.get_parent().pk != content.channel.pk:
            submission.page.move(content.channel, pos="last-child")
            page = submission.page.__class__.objects.get(pk=page.pk).get_latest_revision_as_object()
        _fill(page, content, photos)
        page.full_clean()
    page.save_revision(user=contributor, log_action=True)
    submission.contact_phone = content.contact_phone
    submission.origin = content.origin
    if content.declared:
        submission.declared_at = timezone.now()
    submission.withdrawn_at = None
    submission.save()
    return submission


def _daily_limit(contributor) -> Limit:
    today = timezone.localdate()
    return Limit(name="contributions-day", key=f"{contributor.pk}:{today.isoformat()}",
                 limit=settings.CONTRIBUTIONS_PER_DAY, window=int(dt.timedelta(days=1).total_seconds()))


def contribution_photos_reserve(*, contributor) -> Refusal | None:
    """Count a save that carries new photos (each costs the server decoding them); a
    Refusal when the contributor has used up the hour's saves with photos."""
    return counters().consume(limits_from_spec(settings.CONTRIBUTION_PHOTO_SAVES, "contribution-photos", str(contributor.pk)))


@transaction.atomic
def submission_submit(*, contributor, submission: Submission) -> WorkflowState:
    """Send the saved draft to 三审, from 初审 (a returned submission starts over too).
    Refused with the words when 禁止 words are in it; new submissions count against the
    daily limit, resubmissions do not."""
    submission = Submission.objects.select_for_update().select_related("page").get(pk=submission.pk)
    if submission.contributor_id != contributor.pk:
        raise SubmissionError(_("This is not your submission."))
    if not submission_editable(submission):
        raise SubmissionError(_("This submission is already in review or published."))
    if submission.declared_at is None:
        raise SubmissionError(_("Please accept the declaration before submitting."))
    page = submission.page.get_latest_revision_as_object()
    if any(block.block_type == "image" and not block.value["caption"].strip() for block in page.body):
        # The caption is the photo's alt text: checked here rather than on the block, so
        # that a reviewer's one-click approval never fails on a photo without one.
        raise SubmissionError(_("Please write a caption for every photo (screen readers read it to blind readers), "
                                "then submit again. Your draft is saved."))
    matches = screen(f"{page.title}\n{article_text(page)}")
    if forbidden(matches):
        raise ForbiddenWords(matches)
    workflow = submission.page.get_workflow()
    if workflow is None:
        raise SubmissionError(_("This channel has no review workflow; please tell the site's editors."))
    limit = _daily_limit(contributor) if submission.first_submitted_at is None else None
    if limit and counters().consume([limit]):
        raise SubmissionError(_("You can submit at most %(count)d new articles a day. Your draft is saved; please submit it tomorrow.")
                              % {"count": settings.CONTRIBUTIONS_PER_DAY})
    try:
        current = submission.page.current_workflow_state
        if current is not None:  # returned for changes: start again at the first stage
            current.cancel(user=contributor)
        state = workflow.start(submission.page, contributor)
        submission.first_submitted_at = submission.first_submitted_at or timezone.now()
        submission.withdrawn_at = None
        submission.save(update_fields=["first_submitted_at", "withdrawn_at", "updated_at"])
    except BaseException:
        if limit:
            counters().release([limit])
        raise
    return state


@transaction.atomic
def submission_withdraw(*, contributor, submission: Submission) -> None:
    submission = Submission.objects.select_for_update().select_related("page").get(pk=submission.pk)
    if submission.contributor_id != contributor.pk:
        raise SubmissionError(_("This is not your submission."))
    page = submission.page
    if page.live or page.first_published_at:
        raise SubmissionError(_("A published article cannot be withdrawn here; please contact the editors."))
    if submission.withdrawn_at is not None:
        return
    state = page.current_workflow_state
    if state is not None:
        state.cancel(user=contributor)
    submission.withdrawn_at = timezone.now()
    submission.save(update_fields=["withdrawn_at", "updated_at"])
