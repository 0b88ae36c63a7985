"""An article that leaves the site leaves the hot lists with it."""

from __future__ import annotations

from wagtail.signals import page_unpublished

from .services import hot_lists_article_drop


def _on_unpublished(sender, instance, **kwargs):
    hot_lists_article_drop(article_id=instance.pk)


def connect() -> None:
    page_unpublished.connect(_on_unpublished, dispatch_uid="pageviews-unpublished")
