"""Banner clicks and the purges that keep cached pages within each banner's window."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dangjian.accounts.limits import Limit, counters
from dangjian.core.invalidation import purge_pages

from .models import Banner, BannerClicks

DAY = 86400


def banners_key(position: str) -> str:
    """The key pages showing `position`'s place record (core.dependencies)."""
    return f"banners:{position}"


def banner_click_count(*, banner: Banner, visitor: str, now: dt.datetime | None = None) -> bool:
    """Count a click once per visitor and day (Beijing time); True if it counted."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    key = hashlib.sha256(f"{banner.pk}\x1f{day}\x1f{visitor}".encode()).hexdigest()[:32]
    if counters().consume([Limit("banner-click", key, 1, DAY)], now=now.timestamp()) is not None:
        return False
    with transaction.atomic():
        updated = BannerClicks.objects.filter(banner=banner, day=day).update(clicks=F("clicks") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    BannerClicks.objects.create(banner=banner, day=day, clicks=1)
            except IntegrityError:  # another click made the row first
                BannerClicks.objects.filter(banner=banner, day=day).update(clicks=F("clicks") + 1)
    return True


def banner_changed(*, banner: Banner, positions: set[str] | None = None) -> None:
    """A banner was saved or deleted: the pages showing its place (before and after) are
    rendered again."""
    purge_pages(reason=f"banner {banner.pk} changed", keys=[banners_key(p) for p in positions or {banner.position}])


@transaction.atomic
def banner_windows_purge(*, now: dt.datetime | None = None) -> int:
    """Banners whose window began or ended since the last run: the pages showing their place
    are removed at once (run every 30 s by the scheduler, so that no cached page shows a
    banner a minute after its end). Returns the number of edges handled."""
    now = now or timezone.now()
    started = list(Banner.objects.select_for_update().filter(starts_at__lte=now, start_purged_at__isnull=True))
    ended = list(Banner.objects.select_for_update().filter(ends_at__lte=now, end_purged_at__isnull=True))
    positions = {banner.position for banner in started + ended}
    if positions:
        purge_pages(reason="banner windows", removed_keys=[banners_key(position) for position in positions])
    Banner.objects.filter(pk__in=[b.pk for b in started]).update(start_purged_at=now)
    Banner.objects.filter(pk__in=[b.pk for b in ended]).update(end_purged_at=now)
    return len(started) + len(ended)
