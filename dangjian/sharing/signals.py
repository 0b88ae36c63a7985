"""An article's posters follow it: a publish, unpublish or delete removes them."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from wagtail.signals import page_published, page_unpublished

from dangjian.portal.models import ArticlePage

from .services import posters_delete


def _changed(sender, instance, **kwargs):
    page_id = instance.pk
    transaction.on_commit(lambda: posters_delete(page_id=page_id))


def connect() -> None:
    page_published.connect(_changed, sender=ArticlePage, dispatch_uid="sharing-published")
    page_unpublished.connect(_changed, sender=ArticlePage, dispatch_uid="sharing-unpublished")
    post_delete.connect(_changed, sender=ArticlePage, dispatch_uid="sharing-deleted")
