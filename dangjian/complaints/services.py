"""Every step of a copyright complaint, whoever calls it (the public form, the admin, the
account page, the scheduler): one transaction each, recorded in Wagtail's audit log.

Taking down unpublishes the article with Wagtail's own action, so everything that follows
publishing (the page cache on every host, the search index, the sitemap, feeds, lists, the
view-count beacon, hot lists) removes it as it does for any unpublished page; what makes it
more than an unpublish is the hold (portal.holds): while the case holds it, nobody can
publish it again. Restoring lifts the hold and publishes the revision that was live.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.log_actions import log
from wagtail.models import Site, WorkflowState

from dangjian.accounts.limits import Limit, counters, limits_from_spec
from dangjian.accounts.models import PhoneCode
from dangjian.accounts.phone import mask_phone
from dangjian.accounts.services import TooManyGuesses, phone_code_verify
from dangjian.core.clientip import client_network
from dangjian.core.dependencies import SITEMAP, page_key
from dangjian.core.invalidation import purge_pages
from dangjian.core.scans import Scan
from dangjian.portal.models import ArticlePage, PortalSettings

from . import selectors
from .models import Complaint, ComplaintArticle, ComplaintFile, CounterNotice

logger = logging.getLogger(__name__)
MAX_FILES = 5
MAX_URLS = 20
ANONYMIZED = "—"


class ComplaintError(PermissionDenied):
    """Refused, with a message for the person who asked (and the form field it is about)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass
class ComplaintContent:
    kind: str
    name: str
    phone: str  # normalized, proved by the SMS code
    email: str
    address: str
    work_title: str
    urls: list[str]
    description: str
    files: list[Scan] = field(default_factory=list)
    good_faith: bool = False


def complaint_days() -> int:
    site = Site.objects.filter(is_default_site=True).first()
    return PortalSettings.for_site(site).complaint_days if site else PortalSettings._meta.get_field("complaint_days").default


def deadline_from(received: dt.datetime, days: int) -> dt.datetime:
    """`days` days after receipt, at the same time of day (a 3-day promise made at 16:00 on
    Monday ends at 16:00 on Thursday, Beijing time)."""
    return received + dt.timedelta(days=days)


def _number() -> str:
    while True:
        number = f"TS{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not Complaint.objects.filter(number=number).exists():
            return number


def articles_resolve(urls: list[str]) -> list[ArticlePage]:
    """The articles the URLs name, in order, without repeats; ComplaintError naming the first
    URL that is not a published article of this site."""
    urls = [url.strip() for url in urls if url.strip()]
    if not urls:
        raise ComplaintError(_("Please enter the address of at least one article of this site."), field="urls")
    if len(urls) > MAX_URLS:
        raise ComplaintError(_("At most %(count)d addresses per complaint.") % {"count": MAX_URLS}, field="urls")
    found: dict[int, ArticlePage] = {}
    for url in urls:
        article = selectors.article_for_url(url)
        if article is None:
            raise ComplaintError(_("“%(url)s” is not the address of a published article of this site. Open the article and copy the address from the browser.")
                                 % {"url": url[:200]}, field="urls")
        found.setdefault(article.pk, article)
    return list(found.values())


def complaint_limits(*, phone: str, ip: str) -> list[Limit]:
    return (limits_from_spec(settings.COMPLAINT_LIMITS_PHONE, "complaint-phone", phone)
            + limits_from_spec(settings.COMPLAINT_LIMITS_NETWORK, "complaint-network", client_network(ip)))


def _files_store(complaint: Complaint, files: list[Scan], counter_notice: CounterNotice | None = None) -> None:
    """The files, then their rows: the last step of a change's transaction, so that a
    failure here leaves no file behind (the transaction's earlier steps cannot fail after it)."""
    stored = []
    try:
        for scan in files:
            record = ComplaintFile(complaint=complaint, counter_notice=counter_notice, kind=scan.kind)
            name = f"{complaint.number}-{secrets.token_hex(4)}.{scan.extension}"
            record.file.save(name, ContentFile(scan.content), save=False)
            stored.append(record)
        ComplaintFile.objects.bulk_create(stored)
    except BaseException:
        for record in stored:
            record.file.storage.delete(record.file.name)
        raise


def complaint_submit(*, content: ComplaintContent, code: str, ip: str, now: dt.datetime | None = None) -> Complaint:
    """Store a complaint. Refused (ComplaintError, nothing stored, the code still usable)
    for addresses that are not this site's published articles, more than 5 files, a missing
    good-faith statement, a wrong code, or beyond the limits."""
    if not content.good_faith:
        raise ComplaintError(_("Please confirm the good-faith statement."), field="good_faith")
    if len(content.files) > MAX_FILES:
        raise ComplaintError(_("At most %(count)d files.") % {"count": MAX_FILES}, field="files")
    articles = articles_resolve(content.urls)
    wrong_code = ComplaintError(_("The code is wrong or no longer valid. Check the SMS, or ask for a new code."), field="code")
    try:
        if not phone_code_verify(phone=content.phone, purpose=PhoneCode.Purpose.COMPLAINT, code=code, use=False, ip=ip):
            raise wrong_code
    except TooManyGuesses as refused:
        raise ComplaintError(_("Too many wrong codes from this network. Please try again in %(minutes)d minutes.")
                             % {"minutes": max(1, -(-refused.retry_after // 60))}, field="code") from None
    limits = complaint_limits(phone=content.phone, ip=ip)
    refused = counters().consume(limits)
    if refused is not None:
        hours = max(1, round(refused.retry_after / 3600))
        raise ComplaintError(_("Too many complaints from this number or network; please try again in %(hours)d hours, or write to the address in the copyright notice.")
                             % {"hours": hours})
    try:
        with transaction.atomic():
            if not phone_code_verify(phone=content.phone, purpose=PhoneCode.Purpose.COMPLAINT, code=code):
                raise wrong_code
            received = now or timezone.now()
            complaint = Complaint.objects.create(
                number=_number(), kind=content.kind, name=content.name, phone=content.phone, email=content.email,
                address=content.address, work_title=content.work_title, description=content.description,
                good_faith_at=received, received_at=received, state_changed_at=received,
                deadline_at=deadline_from(received, complaint_days()),
            )
            ComplaintArticle.objects.bulk_create([
                ComplaintArticle(complaint=complaint, page=article, url=f"/a/{article.pk}/", title=article.title) for article in articles
            ])
            log(instance=complaint, action="complaints.submit", data={"articles": [a.pk for a in articles], "files": len(content.files)})
            _files_store(complaint, content.files)
    except BaseException:
        counters().release(limits)
        raise
    return complaint


# --- handling (the admin) ---------------------------------------------------------------
def _handled(complaint: Complaint, user, states: tuple[str, ...]) -> Complaint:
    """The case locked for this change, after checking who acts and that its state allows it."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not selectors.access_for(user).handles(complaint):
        raise ComplaintError(_("You may not handle this case."))
    if complaint.state not in states:
        raise ComplaintError(_("This case is %(state)s; this cannot be done now.") % {"state": complaint.get_state_display()})
    return complaint


def _state_set(complaint: Complaint, state: str, *, message: str | None = None, now: dt.datetime | None = None) -> None:
    complaint.state, complaint.state_changed_at = state, now or timezone.now()
    fields = ["state", "state_changed_at"]
    if message is not None:
        complaint.message = message
        fields.append("message")
    complaint.save(update_fields=fields)


def _answered(*, complaint: Complaint, user, state: str, action: str, message: str, missing: str) -> Complaint:
    """An open case decided with a message the complainant reads on the case page."""
    complaint = _handled(complaint, user, Complaint.OPEN)
    message = message.strip()
    if not message:
        raise ComplaintError(missing, field="message")
    _state_set(complaint, state, message=message)
    log(instance=complaint, action=action, user=user, data={"message": message})
    _tell_complainant(complaint)
    return complaint


@transaction.atomic
def complaint_info_request(*, complaint: Complaint, user, message: str) -> Complaint:
    """Ask the complainant for more: they see `message` on the case page and answer there."""
    return _answered(complaint=complaint, user=user, state=Complaint.State.NEEDS_INFO, action="complaints.info_request",
                     message=message, missing=_("Please say what is missing: the complainant sees it."))


@transaction.atomic
def complaint_supplement(*, complaint: Complaint, text: str, files: list[Scan], now: dt.datetime | None = None) -> Complaint:
    """The complainant answers a request for more information: the case is open again, with
    a new deadline from now."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.state != Complaint.State.NEEDS_INFO:
        raise ComplaintError(_("Nothing was asked for in this case."))
    text = text.strip()
    if not text and not files:
        raise ComplaintError(_("Please write the information, or add files."), field="text")
    existing = complaint.files.filter(counter_notice__isnull=True).count()
    if existing + len(files) > MAX_FILES * 2:
        raise ComplaintError(_("At most %(count)d files.") % {"count": MAX_FILES * 2}, field="files")
    now = now or timezone.now()
    complaint.supplement = "\n\n".join(part for part in (complaint.supplement, text) if part)[:5000]
    complaint.deadline_at = deadline_from(now, complaint_days())
    complaint.save(update_fields=["supplement", "deadline_at"])
    _state_set(complaint, Complaint.State.RECEIVED, now=now)
    log(instance=complaint, action="complaints.supplement", data={"files": len(files)})
    _files_store(complaint, files)
    return complaint


def _cancel_schedules_and_reviews(page: ArticlePage, user) -> None:
    page.revisions.update(approved_go_live_at=None)
    state = page.current_workflow_state
    if state is not None and state.status in (WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES):
        state.cancel(user=user)


@transaction.atomic
def complaint_take_down(*, complaint: Complaint, user, now: dt.datetime | None = None) -> Complaint:
    """Take every article of the case off the site at once, and keep it off until the case
    restores it; its uploader is told."""
    complaint = _handled(complaint, user, Complaint.OPEN)
    now = now or timezone.now()
    for row in complaint.articles.select_related("page").select_for_update(of=("self",)):
        page = row.page
        if page is None:
            continue
        page = ArticlePage.objects.get(pk=page.pk)
        row.taken_down_at, row.restored_at = now, None
        row.live_revision = page.live_revision if page.live else row.live_revision
        row.save(update_fields=["taken_down_at", "restored_at", "live_revision"])
        _cancel_schedules_and_reviews(page, user)
        if page.live:
            UnpublishPageAction(page, user=user, log_action=True).execute(skip_permission_checks=True)
        log(instance=page, action="complaints.take_down", user=user, data={"case": complaint.number})
        # Unpublishing leaves the pages that list the article stale, served for a few more
        # seconds while they are rendered again; a takedown removes them at once.
        purge_pages(reason=f"article {page.pk} taken down ({complaint.number})", removed_keys=[page_key(page.pk), SITEMAP])
    _state_set(complaint, Complaint.State.TAKEN_DOWN, now=now)
    log(instance=complaint, action="complaints.take_down", user=user)
    _tell_complainant(complaint)
    _tell_uploaders(complaint)
    return complaint


@transaction.atomic
def complaint_reject(*, complaint: Complaint, user, reason: str) -> Complaint:
    return _answered(complaint=complaint, user=user, state=Complaint.State.REJECTED, action="complaints.reject",
                     message=reason, missing=_("Please give the reason: the complainant sees it."))


@transaction.atomic
def complaint_close(*, complaint: Complaint, user, note: str = "") -> Complaint:
    """The case is done (the taken-down articles stay down, or nothing more will come)."""
    complaint = _handled(complaint, user, (*Complaint.OPEN, Complaint.State.TAKEN_DOWN, Complaint.State.RESTORED,
                                           Complaint.State.REJECTED))
    _state_set(complaint, Complaint.State.CLOSED, message=note.strip() or None)
    log(instance=complaint, action="complaints.close", user=user, data={"note": note.strip()})
    _tell_complainant(complaint)
    return complaint


@transaction.atomic
def counter_notice_file(*, complaint: Complaint, user, statement: str, files: list[Scan]) -> CounterNotice:
    """The uploader answers a takedown (art. 16): a statement and up to 5 files."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not selectors.cases_of_uploader(user).filter(pk=complaint.pk).exists():
        raise ComplaintError(_("This case is not about your articles."))
    if complaint.state != Complaint.State.TAKEN_DOWN:
        raise ComplaintError(_("A counter-notice can be filed while the article is taken down."))
    statement = statement.strip()
    if not statement:
        raise ComplaintError(_("Please write your statement."), field="statement")
    if len(files) > MAX_FILES:
        raise ComplaintError(_("At most %(count)d files.") % {"count": MAX_FILES}, field="files")
    notice = CounterNotice.objects.create(complaint=complaint, author=user, statement=statement)
    log(instance=complaint, action="complaints.counter_notice", user=user, data={"files": len(files)})
    _files_store(complaint, files, counter_notice=notice)
    return notice


@transaction.atomic
def complaint_restore(*, complaint: Complaint, user, now: dt.datetime | None = None) -> Complaint:
    """Put the taken-down articles back (after a counter-notice, art. 17): the revision that
    was live is published again, with its first publish time and its views; the
    complainant is told. An article another case holds down stays down."""
    complaint = _handled(complaint, user, (Complaint.State.TAKEN_DOWN,))
    now = now or timezone.now()
    for row in complaint.articles.filter(taken_down_at__isnull=False, restored_at__isnull=True).select_related("page"):
        row.restored_at = now
        row.save(update_fields=["restored_at"])
        page = row.page
        if page is None or selectors.taken_down_by(page.pk) is not None:
            continue
        page = ArticlePage.objects.get(pk=page.pk)
        revision = row.live_revision or page.get_latest_revision()
        if revision is not None:
            revision.publish(user=user, skip_permission_checks=True)
        log(instance=page, action="complaints.restore", user=user, data={"case": complaint.number})
    _state_set(complaint, Complaint.State.RESTORED, now=now)
    log(instance=complaint, action="complaints.restore", user=user)
    _tell_complainant(complaint)
    _tell_uploaders(complaint)
    return complaint


# --- personal data ---------------------------------------------------------------------
def complaint_anonymize(*, complaint: Complaint, now: dt.datetime | None = None) -> None:
    """Remove the complainant's personal data; the case, its articles and its history stay."""
    if complaint.phone:
        PhoneCode.objects.filter(phone=complaint.phone).delete()
    complaint.name, complaint.phone, complaint.email, complaint.address = ANONYMIZED, "", "", ""
    complaint.anonymized_at = now or timezone.now()
    complaint.save(update_fields=["name", "phone", "email", "address", "anonymized_at"])


@transaction.atomic
def complaints_anonymize_expired(*, now: dt.datetime | None = None) -> int:
    """Cases received more than COMPLAINT_RETENTION_DAYS ago lose their personal data."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
    expired = list(Complaint.objects.filter(received_at__lt=cutoff, anonymized_at__isnull=True).select_for_update())
    for complaint in expired:
        complaint_anonymize(complaint=complaint, now=now)
    return len(expired)


def complaints_of_person_forget(*, user) -> None:
    """A deleted account: the complaints filed from its number lose their personal data, and
    its counter-notices their statements (the case keeps that one was filed, and when)."""
    if user.phone:
        for complaint in Complaint.objects.filter(phone=user.phone, anonymized_at__isnull=True):
            complaint_anonymize(complaint=complaint)
    CounterNotice.objects.filter(author=user).update(statement=ANONYMIZED)


# --- telling people ---------------------------------------------------------------------
def _tell(*, phone: str, email: str, number: str, state: str, details: str) -> None:
    """By SMS (with a provider template, or the console backend) and by e-mail (when the site
    sends mail: DANGJIAN_EMAIL_URL), once the change is committed, in the background."""
    from dangjian.accounts.tasks import send_sms_notice

    from .tasks import send_mail_notice

    text = _("Copyright complaint %(number)s: %(state)s.") % {"number": number, "state": state}
    if phone:
        transaction.on_commit(lambda: send_sms_notice.enqueue(
            phone=phone, template_id=settings.SMS_COMPLAINT_TEMPLATE_ID, params={"number": number, "state": state}, text=text))
    if email:
        transaction.on_commit(lambda: send_mail_notice.enqueue(to=email, subject=text, body=f"{text}\n\n{details}"))


def _tell_complainant(complaint: Complaint) -> None:
    """The case page, which the complainant opens with the case number and a code, says the rest."""
    details = "\n\n".join(part for part in (
        complaint.message,
        _("Follow the case at %(url)s with the case number and your mobile number.") % {"url": settings.BASE_URL + reverse("complaints:track")},
    ) if part)
    _tell(phone=complaint.phone, email=complaint.email, number=complaint.number, state=str(complaint.get_state_display()),
          details=details)


def _tell_uploaders(complaint: Complaint) -> None:
    """Their account page lists the case (selectors.cases_of_uploader) with what it is about
    (never who complained or how to reach them); the SMS and e-mail say so."""
    rows = list(complaint.articles.select_related("page", "page__owner"))
    details = "\n".join([
        _("The work: %(title)s") % {"title": complaint.work_title},
        *(f"{row.title} {settings.BASE_URL}{row.url}" for row in rows),
        complaint.description, "",
        _("See it and answer with a counter-notice at %(url)s.") % {"url": settings.BASE_URL + reverse("accounts:profile")},
    ])
    for person in {selectors.uploader_of(row.page) for row in rows if row.page}:
        if person is not None and (person.phone or person.email):
            logger.info("complaint %s: telling the uploader %s", complaint.number, mask_phone(person.phone or ""))
            _tell(phone=person.phone or "", email=person.email, number=complaint.number,
                  state=str(complaint.get_state_display()), details=details)
