"""Which banners a page shows, and what they did."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q, QuerySet, Sum
from wagtail.models import Page

from dangjian.pageviews.models import DailyViews
from dangjian.portal.models import ArticlePage

from .models import Banner, BannerClicks

MAX_ROTATION = 5  # banners one place rotates among


def banners_for(*, position: str, page: Page | None, now: dt.datetime) -> list[Banner]:
    """The active banners of `position` for `page` at `now`: those for the whole site and
    those whose target is the page or above it; the heaviest first."""
    targets = Q(target__isnull=True)
    if page is not None:
        steplen = page.steplen
        above = [page.path[:end] for end in range(steplen, len(page.path) + 1, steplen)]
        targets |= Q(target__path__in=above)
    window = Q(starts_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    return list(Banner.objects.filter(targets, window, position=position, active=True)
                .select_related("image").order_by("-weight", "pk")[:MAX_ROTATION])


def weighted_choice(banners: list[Banner], rng: random.Random | None = None) -> Banner | None:
    if not banners:
        return None
    return (rng or random).choices(banners, weights=[banner.weight for banner in banners])[0]


def city_paths(user) -> list[str]:
    """The tree paths of the cities `user` administers ("dangjian_city_admin_paths" hook)."""
    from wagtail import hooks

    return [path for source in hooks.get_hooks("dangjian_city_admin_paths") for path in source(user)]


def managed_by(user) -> QuerySet[Banner]:
    """Site administrators (banners.change_banner) manage every banner; a city's
    administrators the banners shown on their city only."""
    if user.has_perm("banners.change_banner"):
        return Banner.objects.all()
    below = Q(pk__in=[])
    for path in city_paths(user):
        below |= Q(target__path__startswith=path)
    return Banner.objects.filter(below)


def daily_clicks(banner: Banner, *, days: int, today: dt.date) -> list[tuple[dt.date, int]]:
    start = today - dt.timedelta(days=days - 1)
    counts = dict(BannerClicks.objects.filter(banner=banner, day__gte=start).values_list("day", "clicks"))
    return [(start + dt.timedelta(days=n), counts.get(start + dt.timedelta(days=n), 0)) for n in range(days)]


def impressions(banner: Banner, *, until: dt.date) -> int | None:
    """Views of the articles it was shown below, in its window: for the article position
    only (other pages have no view counts). Every one of them showed one of the place's
    banners; with several, this counts views of pages where it may have shown."""
    if banner.position != Banner.Position.ARTICLE_BOTTOM:
        return None
    articles = ArticlePage.objects.all()
    if banner.target is not None:
        articles = articles.filter(path__startswith=banner.target.path)
    views = DailyViews.objects.filter(page_id__in=articles.values("pk"), day__gte=banner.starts_at.date(), day__lte=until)
    if banner.ends_at is not None:
        views = views.filter(day__lte=banner.ends_at.date())
    return views.aggregate(total=Sum("views"))["total"] or 0
