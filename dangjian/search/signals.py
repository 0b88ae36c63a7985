"""What keeps the index in line with the articles. Each event enqueues a task after the
transaction commits (the task then reads the committed state); deleting a page removes its
document at once, by cascade, in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import tasks
from .models import SearchWord

# A subtree larger than this is re-indexed by a full rebuild rather than by its ids.
SUBTREE_LIMIT = 500


def index_later(page_ids: list[int]) -> None:
    transaction.on_commit(lambda: tasks.index_pages.enqueue(page_ids))


def rebuild_later() -> None:
    transaction.on_commit(tasks.rebuild_index.enqueue)


def _index_subtree(page) -> None:
    ids = list(page.get_descendants(inclusive=True).values_list("pk", flat=True)[: SUBTREE_LIMIT + 1])
    if len(ids) > SUBTREE_LIMIT:
        rebuild_later()
    else:
        index_later(ids)


def _on_publish_change(sender, instance, **kwargs):
    index_later([instance.pk])


def _on_move(sender, instance, **kwargs):
    _index_subtree(instance)


def _on_restriction(sender, instance, **kwargs):
    page = type(instance).page.field.related_model.objects.filter(pk=instance.page_id).first()
    if page is not None:  # None when the restriction goes with its deleted page
        _index_subtree(page)


def _on_dictionary_change(sender, instance, **kwargs):
    rebuild_later()


def connect() -> None:
    page_published.connect(_on_publish_change, dispatch_uid="search-published")
    page_unpublished.connect(_on_publish_change, dispatch_uid="search-unpublished")
    post_page_move.connect(_on_move, dispatch_uid="search-moved")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_on_restriction, sender=PageViewRestriction, dispatch_uid=f"search-restriction-{name}")
        signal.connect(_on_dictionary_change, sender=SearchWord, dispatch_uid=f"search-dictionary-{name}")
