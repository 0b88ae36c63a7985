"""Contributions (来稿): the sensitive-word lists so far; submissions and the review
workflow build on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SensitiveWordQuerySet(models.QuerySet):
    def list_version(self) -> tuple:
        return tuple(self.aggregate(count=Count("pk"), changed=Max("changed_at")).values())


class SensitiveWord(models.Model):
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
    note = models.CharField(_("Note"), max_length=100, blank=True)
    changed_at = models.DateTimeField(_("Changed"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = SensitiveWordQuerySet.as_manager()

    class Meta:
        verbose_name = _("Sensitive word")
        verbose_name_plural = _("Sensitive words")
        ordering = ["category", "word"]

    def __str__(self) -> str:
        return self.word
