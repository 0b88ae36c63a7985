"""Operations on the search index and the search records. The index follows the articles:
signals.py and tasks.py call search_documents_update after every change that can make an
article appear, disappear or change, and search_index_rebuild rebuilds it all."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Page

from dangjian.portal.models import ArticlePage
from dangjian.portal.selectors import article_text

from . import rebuild_worker, segmenter
from .backends import IndexedText, engine
from .models import SearchDocument, SearchQueryDay, sort_key

logger = logging.getLogger(__name__)

# An article longer than this is indexed and kept for snippets up to here.
MAX_TEXT_CHARS = 100_000


def searchable_articles():
    """What readers may find: published articles without view restrictions."""
    return ArticlePage.objects.live().public()


def prepare_documents(page_ids: list[int], jieba=None) -> list[tuple[SearchDocument, tuple]]:
    """The documents and their encoded words for these pages, those still searchable (reads only)."""
    jieba = jieba or segmenter.segmenter_for_rebuild()  # one dictionary check, not one per text
    # Unordered: ordered by tree path (Page's default), SQLite with planner statistics read
    # every page in path order for each batch (figures in bench/README.md).
    pages = list(searchable_articles().filter(pk__in=page_ids).order_by())
    # The channel and every page between it and the home page (a city channel for a city's
    # column): each is a scope the search can be limited to.
    above = {page.path[:end] for page in pages for end in range(3 * page.steplen, len(page.path), page.steplen)}
    channel_ids = dict(Page.objects.filter(path__in=above).values_list("path", "pk"))
    result = []
    for page in pages:
        published_at = page.first_published_at or page.last_published_at or timezone.now()
        text = article_text(page)[:MAX_TEXT_CHARS]
        document = SearchDocument(
            page_id=page.pk, sort_key=sort_key(published_at=published_at, page_id=page.pk), title=page.title,
            text=text, channel_id=channel_ids[page.path[: -page.steplen]], published_at=published_at,
        )
        indexed = IndexedText(
            sort_key=document.sort_key,
            title_terms=segmenter.document_terms(page.title, jieba),
            body_terms=segmenter.document_terms(text, jieba),
            scopes=[f"c{channel_ids[page.path[:end]]}" for end in range(3 * page.steplen, len(page.path), page.steplen)],
        )
        result.append((document, engine().encode(indexed)))
    return result


def _store(page_ids: list[int], prepared: list[tuple[SearchDocument, tuple]]) -> None:
    with transaction.atomic():
        SearchDocument.objects.filter(page_id__in=page_ids).delete()
        engine().store([document for document, _encoded in prepared], [encoded for _document, encoded in prepared])


def search_documents_update(*, page_ids: Iterable[int]) -> int:
    """Bring the index in line with these pages' current state; returns how many are indexed."""
    page_ids = list(page_ids)
    prepared = prepare_documents(page_ids)
    _store(page_ids, prepared)
    return len(prepared)


def search_index_rebuild(
    *, batch_size: int = 1000, processes: int = 1, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-index every searchable article in batches, each its own transaction, so searching
    and editing go on meanwhile; then drop documents of articles no longer searchable.

    With processes > 1 (the reindex command), other processes read and segment the next
    batches while this one writes: segmenting was a third of the time. They are started
    afresh ("spawn"), not forked: a forked child shared this process's database connection.
    """
    ids = list(searchable_articles().order_by("pk").values_list("pk", flat=True))
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    done = 0

    def stored(batch, prepared):
        nonlocal done
        _store(batch, prepared)
        done += len(batch)
        if progress:
            progress(done, len(ids))

    with engine().bulk_load():
        if processes > 1 and len(batches) > 1:
            context = multiprocessing.get_context("spawn")
            start = (connection.settings_dict["NAME"],)
            with ProcessPoolExecutor(processes - 1, mp_context=context, initializer=rebuild_worker.start, initargs=start) as pool:
                pending = deque()
                for batch in batches:
                    pending.append((batch, pool.submit(rebuild_worker.prepare, batch)))
                    if len(pending) > 2 * processes:  # bounded: a batch in memory is ~10 MB
                        batch_done, future = pending.popleft()
                        stored(batch_done, future.result())
                while pending:
                    batch_done, future = pending.popleft()
                    stored(batch_done, future.result())
        else:
            jieba = segmenter.segmenter_for_rebuild()
            for batch in batches:
                stored(batch, prepare_documents(batch, jieba))
        with transaction.atomic():
            SearchDocument.objects.exclude(page_id__in=searchable_articles().values("pk")).delete()
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
