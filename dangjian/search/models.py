"""The search index's documents, the editors' dictionary and the record of what readers search.

The full-text part of the index is not a Django model: it is an FTS5 table on SQLite and a
tsvector column on PostgreSQL (backends.py), created by migration 0001 for the database in use.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import WordListEntry

KEY_SHIFT = 22


def sort_key(*, published_at: dt.datetime, page_id: int) -> int:
    """Publish time in whole seconds, then the page id, in one integer (unique in practice)."""
    return (int(published_at.timestamp()) << KEY_SHIFT) | (page_id & ((1 << KEY_SHIFT) - 1))


class SearchDocument(models.Model):
    """One searchable article: what the results page shows and the keys the engine filters on.

    Only published, public articles have one (services.search_documents_update decides).
    """

    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+")
    # sort_key(): the engine's row id, so that "newest first"
    # and date ranges are the order and ranges of the full-text index itself.
    sort_key = models.BigIntegerField(unique=True)
    title = models.CharField(max_length=255)
    text = models.TextField(help_text="Plain text of the article, for snippets.")
    channel = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("search document")


class DocumentRow(models.Model):
    """A PostgreSQL table keyed by the document's sort key, as the engine's rows are; the
    database deletes its row with the document (ON DELETE CASCADE, added by its migration)."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.DO_NOTHING, db_constraint=False, to_field="sort_key", db_column="sort_key",
        primary_key=True, related_name="+",
    )

    class Meta:
        abstract = True


class SearchVector(DocumentRow):
    """PostgreSQL: an article's words, in a `vector` tsvector column (migration 0003) of a
    narrow table of its own. Counting or listing the matches of a word reads the table rows
    that have it, and PostgreSQL 15 here read every heap page holding one, all-visible or
    not, so the rows must stay small: 140 fit in a page. With 850 bytes of
    ranking data beside the words (migration 0004), 9 fitted, and counting 美国 in 33,272 of
    100,000 articles read 11,070 pages (46 ms). Unused on SQLite, where the FTS5 table holds
    the words."""


class SearchRank(DocumentRow):
    """PostgreSQL: what ranking an article needs, read only for the few hundred matches
    being ranked (migration 0005 adds the columns): the words found more than once or in
    the title, with positions (rank_vector), the number of words (term_count), and the first
    character of each word found once (once_initials), which a one-character query counts.
    Unused on SQLite."""


def validate_dictionary_word(value: str) -> None:
    if not re.fullmatch(r"[^\W_]{2,30}", value or ""):
        raise ValidationError(_("A word has 2 to 30 characters: Chinese characters, letters or digits, no spaces or punctuation."))


class SearchWord(WordListEntry):
    """A word the segmenter must keep whole: place names, slogans, organization names."""

    word = models.CharField(
        _("Word"), max_length=30, unique=True, validators=[validate_dictionary_word],
        help_text=_("Place names, slogans, organization names: the search keeps them whole. The index is rebuilt after a change."),
        error_messages={"unique": _("This word is already in the dictionary.")},
    )
    class Meta:
        verbose_name = _("Dictionary word")
        verbose_name_plural = _("Search dictionary")
        ordering = ["word"]


class SearchQueryDay(models.Model):
    """How often a normalized query was searched on one day (Beijing time)."""

    query = models.CharField(max_length=100)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    # Whether the last such search found anything: only those are suggested to readers.
    found = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["query", "day"], name="search_query_day_unique")]
        indexes = [models.Index(fields=["day", "query"])]
