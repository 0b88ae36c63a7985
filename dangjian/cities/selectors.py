"""Reading city channels: the directory, whose city a user or page belongs to, and what
national channels recommend (services.py changes them)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.models import Page

from dangjian.core.invalidation import until_purge
from dangjian.portal.models import ChannelPage

from .models import CityChannelPage, CityDirectoryPage, CityGroup, CityRole, Recommendation


def city_directory() -> CityDirectoryPage | None:
    return CityDirectoryPage.objects.order_by("path").first()


def city_of_user(user) -> CityChannelPage | None:
    """The city `user` administers, if any."""
    group = CityGroup.objects.filter(group__user=user, role=CityRole.ADMIN).select_related("city").first()
    return group.city if group else None


def search_scope_group() -> tuple[str, list[tuple[int, str]]]:
    """City channels for the search page's filter (search.forms)."""
    cities = CityChannelPage.objects.live().public().order_by("province_code", "region_code").values_list("pk", "title")
    return _("City channels"), list(cities)


def national_channels():
    """Channels directly below a home page, where recommended city articles can go."""
    return ChannelPage.objects.filter(depth=3).order_by("path")


def recommended_article_ids(channel: Page) -> list[int]:
    """For portal.ChannelPage.articles: live recommended articles, until the next purge
    (a recommendation or its withdrawal purges the channel)."""
    if channel.depth != 3:
        return []
    return until_purge(("recommended", channel.pk), lambda: list(
        Recommendation.objects.filter(channel_id=channel.pk).values_list("article_id", flat=True)))


def city_of_page(page: Page) -> CityChannelPage | None:
    return CityChannelPage.objects.filter(path__in=[page.path[:end] for end in range(page.steplen, len(page.path) + 1, page.steplen)]).first()
