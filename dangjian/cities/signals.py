"""What city pages add to invalidation (core/invalidation.py decides the rest): the
directory shows every city's article count, so any article published, unpublished, moved
or deleted below a city makes it stale, and the city's count is taken again once the
change is committed."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from dangjian.core.invalidation import purge_pages

from .models import DIRECTORY_KEY, CityDirectoryPage


def _below_directory(path: str) -> bool:
    return any(path.startswith(directory) and path != directory
               for directory in CityDirectoryPage.objects.values_list("path", flat=True))


def directory_keys(page: Page, ancestor_ids: list[int]) -> list[str]:
    """A page published below the directory (a city, a column, an article)."""
    return [DIRECTORY_KEY] if _below_directory(page.path) else []


def _recount(*paths: str) -> None:
    """Count the articles of the cities above these tree paths again, after the commit."""
    from .models import CityChannelPage
    from .services import city_article_count_refresh

    steplen = Page.steplen
    above = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    city_ids = list(CityChannelPage.objects.filter(path__in=above).values_list("pk", flat=True))
    if city_ids:
        transaction.on_commit(lambda: city_article_count_refresh(city_ids=city_ids))


def _published(sender, instance, **kwargs):
    _recount(instance.path)


def _changed(sender, instance, **kwargs):
    if _below_directory(instance.path):
        _recount(instance.path)
        purge_pages(reason=f"page {instance.pk} below the city directory gone", keys=[DIRECTORY_KEY])


def _deleted(sender, instance, **kwargs):
    if instance.live:
        _changed(sender, instance)


def _moved(sender, instance, parent_page_before, **kwargs):
    if instance.live:
        _recount(instance.path, parent_page_before.path)


def connect() -> None:
    from dangjian.portal.models import ArticlePage, ChannelPage

    from .models import CityChannelPage

    page_published.connect(_published, dispatch_uid="cities-published")
    page_unpublished.connect(_changed, dispatch_uid="cities-unpublished")
    post_page_move.connect(_moved, dispatch_uid="cities-moved")
    for model in (ArticlePage, ChannelPage, CityChannelPage):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"cities-deleted-{model.__name__}")
