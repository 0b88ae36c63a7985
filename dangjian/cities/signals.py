"""What city pages add to invalidation (core/invalidation.py decides the rest): the
directory shows every city's article count, so any article published, unpublished or
deleted below a city makes it stale."""

from __future__ import annotations

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_unpublished

from dangjian.core.invalidation import purge_pages

from .models import DIRECTORY_KEY, CityDirectoryPage


def _below_directory(path: str) -> bool:
    return any(path.startswith(directory) and path != directory
               for directory in CityDirectoryPage.objects.values_list("path", flat=True))


def directory_keys(page: Page, ancestor_ids: list[int]) -> list[str]:
    """A page published below the directory (a city, a column, an article)."""
    return [DIRECTORY_KEY] if _below_directory(page.path) else []


def _changed(sender, instance, **kwargs):
    if _below_directory(instance.path):
        purge_pages(reason=f"page {instance.pk} below the city directory gone", keys=[DIRECTORY_KEY])


def _deleted(sender, instance, **kwargs):
    if instance.live:
        _changed(sender, instance)


def connect() -> None:
    from dangjian.portal.models import ArticlePage, ChannelPage

    from .models import CityChannelPage

    page_unpublished.connect(_changed, dispatch_uid="cities-unpublished")
    for model in (ArticlePage, ChannelPage, CityChannelPage):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"cities-deleted-{model.__name__}")
