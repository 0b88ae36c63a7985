"""Model pieces shared by several apps (no tables of their own)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _


def private_storage():
    """Files that only their permission checks may hand out (documents, applications'
    letters): outside the public media tree, or private objects on S3 (settings.STORAGES)."""
    return storages["private"]


class WordListQuerySet(models.QuerySet):
    def list_version(self) -> tuple:
        """Changes whenever an entry is added, changed or deleted: processes that keep a
        structure built from the list (a segmenter, an automaton) compare it to rebuild."""
        return tuple(self.aggregate(count=Count("pk"), changed=Max("changed_at")).values())


class WordListEntry(models.Model):
    """An entry of a word list editors keep in the admin (core/viewsets.ListViewSet)."""

    note = models.CharField(_("Note"), max_length=100, blank=True)
    changed_at = models.DateTimeField(_("Changed"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = WordListQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.word


class PageDependency(models.Model):
    """A cached page (``host/path``) and one key it was built from (core/dependencies.py).
    A table rather than process memory: every web process and host purges from it, and it
    outlives restarts, as the page files do."""

    url = models.CharField(max_length=500)
    key = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["url", "key"], name="core_pagedependency_url_key")]
        indexes = [models.Index(fields=["key"], name="core_pagedependency_key")]

    def __str__(self) -> str:
        return f"{self.url} <- {self.key}"
