"""Reading view counts: what pages, hot lists, charts and reports show."""

from __future__ import annotations

import datetime as dt
import heapq

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Page

from .models import DailyViews, HotListEntry, HourlyViews, ViewTotal

# Hot-list windows counted from hourly buckets, in hours; "all" is the stored total.
HOURLY_WINDOWS = {"24h": 24, "7d": 7 * 24, "30d": 30 * 24}
HOT_LIST_LENGTH = 10


def _articles():
    from dangjian.portal.models import ArticlePage

    return ArticlePage.objects


def countable_initial_views(page_id: int) -> int | None:
    """The starting count of the published article with this id; None when there is none
    (unknown id, draft, unpublished, or not an article)."""
    return _articles().live().filter(pk=page_id).values_list("initial_views", flat=True).first()


def stored_views(page_id: int) -> int:
    """Views counted and flushed (the page shows initial_views plus this)."""
    return ViewTotal.objects.filter(page_id=page_id).values_list("views", flat=True).first() or 0


def article_views(article) -> int:
    """What an article page shows: its starting count plus the views flushed so far (the
    page's beacon then answers the live number)."""
    return article.initial_views + stored_views(article.pk)


_scope_types: list[type[Page]] = []


def register_hot_list_scope(*page_types: type[Page]) -> None:
    """Pages of these types show hot lists of the articles below them (any subtree works);
    the apps that define them register them when they are ready."""
    _scope_types.extend(t for t in page_types if t not in _scope_types)


def is_hot_list_scope(page: Page) -> bool:
    return isinstance(page, tuple(_scope_types))


def hot_list_scopes() -> QuerySet[Page]:
    return Page.objects.live().type(*_scope_types)


def ranking(*, scope: Page, window: str, now: dt.datetime, limit: int = HOT_LIST_LENGTH) -> list[tuple[int, int]]:
    """[(article id, views)] of the most viewed public articles under `scope` in `window`,
    most viewed first; on a tie, newer first (all time) or the higher id (hourly windows)."""
    return rankings(scopes=[scope], window=window, now=now, limit=limit)[scope.pk]


def rankings(*, scopes: list[Page], window: str, now: dt.datetime, limit: int = HOT_LIST_LENGTH) -> dict[int, list[tuple[int, int]]]:
    """ranking() of many scopes at once: the views of every article read in the window are
    fetched once and handed to each scope above the article (and to the channels it is
    recommended to): one query per scope does not scale to hundreds of cities (bench/README.md)."""
    from dangjian.portal.models import channel_extra_article_ids

    articles = _articles().live().public()
    if window == "all":
        total = Subquery(ViewTotal.objects.filter(page_id=OuterRef("pk")).values("views")[:1])
        rows = (articles.annotate(views=F("initial_views") + Coalesce(total, Value(0))).filter(views__gt=0).order_by()
                .values_list("pk", "path", "views", "first_published_at"))
        never = dt.datetime.min.replace(tzinfo=dt.UTC)  # an article without a publish time ranks last on a tie
        counted = [(pk, path, int(views), (int(views), published or never, pk)) for pk, path, views, published in rows]
    else:
        start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=HOURLY_WINDOWS[window] - 1)
        rows = (HourlyViews.objects.filter(hour__gte=start, page__in=articles.values("pk")).order_by()
                .values("page_id", "page__path").annotate(views=Sum("views")).values_list("page_id", "page__path", "views"))
        counted = [(pk, path, int(views), (int(views), pk)) for pk, path, views in rows]
    by_path = {scope.path: scope.pk for scope in scopes}
    recommended: dict[int, list[int]] = {}
    for scope in scopes:
        for article_id in channel_extra_article_ids(scope):
            recommended.setdefault(article_id, []).append(scope.pk)
    candidates: dict[int, list[tuple]] = {scope.pk: [] for scope in scopes}
    steplen = Page.steplen
    for pk, path, views, order in counted:
        above = {by_path.get(path[:end]) for end in range(steplen, len(path), steplen)} | set(recommended.get(pk, ()))
        for scope_id in above - {None}:
            candidates[scope_id].append((order, pk, views))
    return {scope_id: [(pk, views) for _order, pk, views in heapq.nlargest(limit, found)] for scope_id, found in candidates.items()}


def hot_lists(scope: Page) -> list[tuple[str, str, list[dict]]]:
    """[(window, label, [{"id", "title"}…])] for the page `scope`, from the precomputed rows."""
    rows = HotListEntry.objects.filter(scope=scope).order_by("window", "position").values("window", "article_id", "article__title")
    by_window: dict[str, list[dict]] = {window: [] for window in HotListEntry.Window.values}
    for row in rows:
        by_window[row["window"]].append({"id": row["article_id"], "title": row["article__title"]})
    return [(window, label, by_window[window]) for window, label in HotListEntry.Window.choices]


def daily_views(page_id: int, *, days: int = 90, today: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Views per day (Beijing time) for the last `days` days up to today, zeros included."""
    return _daily_series(DailyViews.objects.filter(page_id=page_id), days=days, today=today)


def subtree_daily_views(scope: Page, *, days: int = 90, today: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Views per day of every article below `scope` (a city channel), as daily_views."""
    rows = DailyViews.objects.filter(page__path__startswith=scope.path).values("day").annotate(total=Sum("views"))
    return _daily_series(rows, days=days, today=today, views="total")


def _daily_series(rows: QuerySet, *, days: int, today: dt.date | None, views: str = "views") -> list[tuple[dt.date, int]]:
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    counts = dict(rows.filter(day__gte=first, day__lte=today).values_list("day", views))
    return [(first + dt.timedelta(days=n), counts.get(first + dt.timedelta(days=n), 0)) for n in range(days)]


def with_period_views(articles: QuerySet, *, start: dt.date | None, end: dt.date | None) -> QuerySet:
    """Annotate `period_views`: views between start and end (days, inclusive); without a
    period, all views including the starting count."""
    if start is None and end is None:
        total = Subquery(ViewTotal.objects.filter(page_id=OuterRef("pk")).values("views")[:1])
        return articles.annotate(period_views=F("initial_views") + Coalesce(total, Value(0)))
    days = DailyViews.objects.filter(page_id=OuterRef("pk"))
    if start:
        days = days.filter(day__gte=start)
    if end:
        days = days.filter(day__lte=end)
    period = Subquery(days.values("page_id").annotate(total=Sum("views")).values("total")[:1])
    return articles.annotate(period_views=Coalesce(period, Value(0)))
