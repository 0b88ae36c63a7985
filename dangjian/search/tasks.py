"""Index updates run in the worker, never in the editor's request."""

from __future__ import annotations

from django_tasks import task

from .services import search_documents_update, search_index_rebuild


@task()
def index_pages(page_ids: list[int]) -> int:
    return search_documents_update(page_ids=page_ids)


@task()
def rebuild_index() -> int:
    return search_index_rebuild()
