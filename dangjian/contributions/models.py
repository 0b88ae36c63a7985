"""Contributions (来稿): the sensitive-word lists so far; submissions and the review
workflow build on them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
