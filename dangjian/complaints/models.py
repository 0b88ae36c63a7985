"""Copyright complaints (侵权投诉) under 信息网络传播权保护条例 art. 14–17: a rights holder's
notice naming articles of this site, the takedown, the uploader's counter-notice, the
restore. Each step is in Wagtail's audit log (services.py); this module holds the records.

An article stays taken down while a ComplaintArticle of it is taken down and not restored:
that is the state editors cannot undo by publishing (portal.holds).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.models import private_storage


class Complaint(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("complaint", "Received")
        NEEDS_INFO = "needs_info", pgettext_lazy("complaint", "More information requested")
        TAKEN_DOWN = "taken_down", pgettext_lazy("complaint", "Taken down")
        RESTORED = "restored", pgettext_lazy("complaint", "Restored after a counter-notice")
        REJECTED = "rejected", pgettext_lazy("complaint", "Rejected")
        CLOSED = "closed", pgettext_lazy("complaint", "Closed")

    class Kind(models.TextChoices):
        PERSON = "person", pgettext_lazy("complainant", "Person")
        ORGANIZATION = "organization", pgettext_lazy("complainant", "Organization")

    # States that wait for the site within the deadline.
    OPEN = (State.RECEIVED, State.NEEDS_INFO)

    number = models.CharField(_("Case number"), max_length=20, unique=True)
    kind = models.CharField(_("Complainant type"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("Complainant"), max_length=100)
    phone = models.CharField(_("Contact mobile number"), max_length=20, db_index=True)
    email = models.EmailField(_("E-mail"), max_length=254)
    address = models.CharField(_("Postal address"), max_length=200)
    work_title = models.CharField(_("Title of the work"), max_length=200)
    description = models.TextField(_("Description"), max_length=5000)
    good_faith_at = models.DateTimeField(_("Good-faith statement accepted"))
    received_at = models.DateTimeField(_("Received"), default=timezone.now, db_index=True)
    # Counted from receipt in the days the site promised then: a later change of the
    # setting does not move the promise made to this complainant.
    deadline_at = models.DateTimeField(_("Deadline"))
    state = models.CharField(_("State"), max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True)
    state_changed_at = models.DateTimeField(_("State changed"), default=timezone.now)
    # What the complainant is told with the state: the information asked for, the reason of a rejection.
    message = models.TextField(_("Message to the complainant"), blank=True)
    supplement = models.TextField(_("Complainant's additional information"), blank=True, max_length=5000)
    anonymized_at = models.DateTimeField(_("Personal data removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("Copyright complaint")
        verbose_name_plural = _("Copyright complaints")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, now=None) -> bool:
        return self.state in self.OPEN and (now or timezone.now()) > self.deadline_at


class ComplaintArticle(models.Model):
    """One infringing URL of a complaint, resolved to the article it names."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="articles")
    # Kept when the article is deleted: the record says what was complained about.
    page = models.ForeignKey("portal.ArticlePage", verbose_name=_("Article"), null=True, on_delete=models.SET_NULL,
                             related_name="complaints")
    url = models.CharField(_("Infringing URL"), max_length=500)
    title = models.CharField(_("Title"), max_length=255)
    taken_down_at = models.DateTimeField(_("Taken down"), null=True, blank=True)
    # What a restore publishes: the article as readers saw it, not a draft saved since.
    live_revision = models.ForeignKey("wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    restored_at = models.DateTimeField(_("Restored"), null=True, blank=True)

    class Meta:
        verbose_name = _("Complained article")
        verbose_name_plural = _("Complained articles")
        constraints = [models.UniqueConstraint(fields=["complaint", "page"], name="complaints_one_row_per_article")]
        indexes = [models.Index(fields=["page", "taken_down_at"], name="complaints_article_down")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_down(self) -> bool:
        return self.taken_down_at is not None and self.restored_at is None


class CounterNotice(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="counter_notices")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Filed by"), on_delete=models.PROTECT,
                               related_name="counter_notices")
    statement = models.TextField(_("Statement"), max_length=5000)
    created_at = models.DateTimeField(_("Filed"), auto_now_add=True)

    class Meta:
        verbose_name = _("Counter-notice")
        verbose_name_plural = _("Counter-notices")
        ordering = ["created_at"]


class ComplaintFile(models.Model):
    """Evidence of a complaint, or of a counter-notice: private, handed out in the admin only."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="files")
    counter_notice = models.ForeignKey(CounterNotice, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("File"), storage=private_storage, upload_to="complaints/%Y/%m/")
    kind = models.CharField(_("File type"), max_length=10)  # a key of core.scans.CONTENT_TYPES
    created_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
