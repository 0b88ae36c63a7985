"""Operations on the search index and the search records. The index follows the articles:
signals.py and tasks.py call search_documents_update after every change that can make an
article appear, disappear or change, and search_index_rebuild rebuilds it all."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from dangjian.portal.models import ArticlePage

from . import segmenter
from .backends import IndexedText, engine
from .models import SearchDocument, SearchQueryDay

logger = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")
# An article longer than this is indexed and kept for snippets up to here.
MAX_TEXT_CHARS = 100_000
KEY_SHIFT = 22


def sort_key(*, published_at: dt.datetime, page_id: int) -> int:
    """Publish time in whole seconds, then the page id, in one integer (unique in practice)."""
    return (int(published_at.timestamp()) << KEY_SHIFT) | (page_id & ((1 << KEY_SHIFT) - 1))


def searchable_articles():
    """What readers may find: published articles without view restrictions."""
    return ArticlePage.objects.live().public()


def _plain(fragment: str) -> str:
    return html.unescape(TAG.sub(" ", fragment))


def article_text(page: ArticlePage) -> str:
    """The words a reader sees on the article page, as plain text."""
    parts = [page.subtitle, page.summary]
    # The stored JSON rather than the StreamField's blocks: the rich text is all that is
    # needed, and converting 100,000 bodies block by block took most of a rebuild.
    for block in page.body.raw_data:
        value = block.get("value")
        if block.get("type") == "text" and isinstance(value, str):
            parts.append(_plain(value))
        elif block.get("type") == "image" and isinstance(value, dict):
            parts.append(value.get("caption") or "")
    parts += [page.byline_organization, page.byline_author, page.source_name]
    return SPACE.sub(" ", " ".join(part for part in parts if part)).strip()[:MAX_TEXT_CHARS]


def _documents(pages: Iterable[ArticlePage], jieba=None) -> list[tuple[SearchDocument, IndexedText]]:
    pages = list(pages)
    channel_ids = dict(
        Page.objects.filter(path__in={page.path[: -page.steplen] for page in pages}).values_list("path", "pk")
    )
    result = []
    for page in pages:
        published_at = page.first_published_at or page.last_published_at or timezone.now()
        text = article_text(page)
        document = SearchDocument(
            page_id=page.pk, sort_key=sort_key(published_at=published_at, page_id=page.pk), title=page.title,
            text=text, channel_id=channel_ids[page.path[: -page.steplen]], published_at=published_at,
        )
        indexed = IndexedText(
            sort_key=document.sort_key,
            title_terms=segmenter.document_terms(page.title, jieba),
            body_terms=segmenter.document_terms(text, jieba),
            scopes=[f"c{document.channel_id}"],
        )
        result.append((document, indexed))
    return result


def search_documents_update(*, page_ids: Iterable[int], jieba=None) -> int:
    """Bring the index in line with these pages' current state; returns how many are indexed."""
    page_ids = list(page_ids)
    pages = searchable_articles().filter(pk__in=page_ids)
    documents = _documents(pages, jieba)
    with transaction.atomic():
        SearchDocument.objects.filter(page_id__in=page_ids).delete()
        SearchDocument.objects.bulk_create([document for document, _indexed in documents])
        engine().write([indexed for _document, indexed in documents])
    return len(documents)


def search_index_rebuild(*, batch_size: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Re-index every searchable article in batches, each its own transaction, so searching
    and editing go on meanwhile; then drop documents of articles no longer searchable."""
    jieba = segmenter.segmenter_for_rebuild()
    ids = list(searchable_articles().order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        search_documents_update(page_ids=batch, jieba=jieba)
        done += len(batch)
        if progress:
            progress(done, len(ids))
    with transaction.atomic():
        SearchDocument.objects.exclude(page_id__in=searchable_articles().values("pk")).delete()
    engine().optimize()
    logger.info("search index rebuilt: %d articles", done)
    return done


def search_query_record(*, terms: list[str], found: bool, day: dt.date | None = None) -> None:
    """Count a search under its normalized form (its terms, space-separated)."""
    query = " ".join(terms)[:100]
    if not query:
        return
    day = day or timezone.localdate()
    with transaction.atomic():
        if SearchQueryDay.objects.filter(query=query, day=day).update(count=F("count") + 1, found=found):
            return
        try:
            with transaction.atomic():
                SearchQueryDay.objects.create(query=query, day=day, count=1, found=found)
        except IntegrityError:  # another request created it first
            SearchQueryDay.objects.filter(query=query, day=day).update(count=F("count") + 1, found=found)
