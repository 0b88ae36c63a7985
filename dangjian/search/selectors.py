"""Reading the index: the search itself, snippets, popular searches.

Ranking, the same on both engines: the query exactly as typed (normalized: width, case,
spaces) comes before its words. Segmentation drops one-character words and stopwords from
the search (老党员 searches 党员) and splits phrases (红船精神: 红船 and 精神), but not from
this rule: of the matches in the pool, an article whose title is the query comes first, then
those whose title contains it, then those whose text does, then the rest, so the article
about 老党员 leads. Within each of these tiers: articles whose title holds every term come first, newest
first; then the others by relevance (bm25 on SQLite, ts_rank on PostgreSQL; more
occurrences count more, longer articles less) in steps of a fifth of the best score, and
within a step the newer article first. The steps make the two engines agree: their scores
differ in detail, and a reader cannot tell a 10% difference in relevance, but does see the
date. Relevance is computed for the newest RELEVANCE_POOL matches, title matches among the
newest RELEVANCE_POOL of them: for a word found in tens of thousands of articles, recent
relevant articles and title hits still come first, and the page stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Sum, When
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page

from dangjian.portal.models import ArticlePage

from . import segmenter
from .backends import Query, engine
from .models import KEY_SHIFT, SearchDocument, SearchQueryDay

# Ranking reads a vector per candidate: 1,000 candidates made a search noticeably slower
# (bench/README.md); 300 keeps the page fast and still reaches back weeks.
RELEVANCE_POOL = 300
RELEVANCE_STEPS = 5
# Results beyond this are counted but not listed, as in the big search engines.
MAX_RESULTS = 1000
SNIPPET_CHARS = 120
SNIPPET_LEAD = 30


@dataclass
class Hit:
    page: ArticlePage
    channel_title: str
    title_html: SafeString
    snippet_html: SafeString
    published_at: dt.datetime


@dataclass
class SearchResults:
    terms: list[str]
    total: int = 0
    hits: list[Hit] = field(default_factory=list)

    @property
    def listed(self) -> int:
        return min(self.total, MAX_RESULTS)


def key_range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[int | None, int | None]:
    """Sort-key bounds for publish dates from `date_from` to `date_to` inclusive, in Beijing time."""
    def start_of(day: dt.date) -> int:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return int(moment.timestamp()) << KEY_SHIFT

    low = start_of(date_from) if date_from else None
    high = start_of(date_to + dt.timedelta(days=1)) - 1 if date_to else None
    return low, high


def phrase_tiers(keys: list[int], phrase: str) -> dict[int, int]:
    """Of these articles, those holding `phrase`: 0 if it is the title, 1 if the title
    contains it, 2 if the text does. Read from the documents, not the engine, so that both
    engines rank them alike. The texts are compared as stored: letters in either case only
    when the phrase has any, since folding the case of every text in the pool is most of the
    cost of the rule on PostgreSQL (bench/README.md)."""
    if not phrase or not keys:
        return {}
    text = "text__icontains" if any(c.isascii() and c.isalpha() for c in phrase) else "text__contains"
    tier = Case(When(title__iexact=phrase, then=0), When(title__icontains=phrase, then=1),
                When(**{text: phrase}, then=2), default=3, output_field=IntegerField())
    return dict(SearchDocument.objects.filter(sort_key__in=keys).annotate(tier=tier).filter(tier__lt=3)
                .values_list("sort_key", "tier"))


def ranked_keys(query: Query, *, relevance: bool, offset: int, limit: int, total: int, phrase: str = "") -> list[int]:
    """The sort keys of results offset to offset + limit, of `total` matches; `phrase` is the
    normalized query as typed."""
    index = engine()
    if not relevance:
        return index.newest(query, limit=limit, offset=offset, total=total)
    in_title = index.newest(query, limit=RELEVANCE_POOL, title_only=True)
    scores = index.scored(query, limit=RELEVANCE_POOL, total=total)
    best = max(scores.values(), default=0) or 1
    title_keys = set(in_title)
    ranked = in_title + sorted(
        (key for key in scores if key not in title_keys),
        key=lambda key: (round(RELEVANCE_STEPS * scores[key] / best), key), reverse=True,
    )
    # A query searched as the one term it is needs no check: every match holds it, and the
    # order above already puts title matches first.
    if phrase and query.terms != [phrase] and (tiers := phrase_tiers(ranked, phrase)):
        ranked.sort(key=lambda key: tiers.get(key, 3))  # stable: within a tier, the order above
    if offset + limit <= len(ranked) or len(scores) < RELEVANCE_POOL:  # the pool held every match
        return ranked[offset : offset + limit]
    # Past the pool: the remaining matches, newest first.
    seen = set(ranked)
    rest = [key for key in index.newest(query, limit=offset + limit + len(ranked), total=total) if key not in seen]
    return (ranked + rest)[offset : offset + limit]


def highlight(text: str, terms: list[str]) -> SafeString:
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def _pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def snippet(text: str, terms: list[str]) -> SafeString:
    """About SNIPPET_CHARS characters around the first match, with the matches marked."""
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - SNIPPET_LEAD) if match else 0
    piece = text[start : start + SNIPPET_CHARS]
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_CHARS < len(text) else ""
    return mark_safe(prefix + highlight(piece, terms) + suffix)


def search_articles(
    *, query: str, channel_id: int | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
    sort: str = "relevance", offset: int = 0, limit: int = 20,
) -> SearchResults:
    terms = segmenter.query_terms(query)
    results = SearchResults(terms=terms)
    if not terms:
        return results
    key_from, key_to = key_range(date_from, date_to)
    engine_query = Query(terms=terms, scopes=[f"c{channel_id}"] if channel_id else [], key_from=key_from, key_to=key_to)
    with engine().reading():
        results.total = engine().count(engine_query)
        if not results.total or offset >= MAX_RESULTS:
            return results
        keys = ranked_keys(
            engine_query, relevance=sort != "date", offset=offset, limit=min(limit, MAX_RESULTS - offset), total=results.total,
            phrase=" ".join(segmenter.normalize(query[: segmenter.MAX_QUERY_CHARS]).split()),
        )
    documents = {document.sort_key: document for document in SearchDocument.objects.filter(sort_key__in=keys)}
    ordered = [documents[key] for key in keys if key in documents]
    # The index is updated in the background: check that each article is still published.
    pages = {
        page.pk: page
        for page in ArticlePage.objects.live().filter(pk__in=[d.page_id for d in ordered]).defer_streamfields()
    }
    channels = dict(Page.objects.filter(pk__in={d.channel_id for d in ordered}).values_list("pk", "title"))
    results.hits = [
        Hit(
            page=pages[document.page_id], channel_title=channels.get(document.channel_id, ""),
            title_html=highlight(document.title, terms), snippet_html=snippet(document.text, terms),
            published_at=document.published_at,
        )
        for document in ordered
        if document.page_id in pages
    ]
    # Matches the index still holds for articles no longer published (the worker has not
    # caught up) are neither listed nor counted: never a count above a shorter list.
    results.total -= len(keys) - len(results.hits)
    if not results.hits:
        results.total = min(results.total, offset)
    return results


def popular_searches(
    *, days: int = 7, limit: int = 10, found_only: bool = False, today: dt.date | None = None
) -> list[tuple[str, int]]:
    """The most searched normalized queries of the last `days` days, with their counts."""
    today = today or timezone.localdate()
    recent = SearchQueryDay.objects.filter(day__gt=today - dt.timedelta(days=days))
    if found_only:
        recent = recent.filter(found=True)
    rows = (
        recent
        .values("query").annotate(total=Sum("count")).order_by("-total", "query")[:limit]
    )
    return [(row["query"], row["total"]) for row in rows]
