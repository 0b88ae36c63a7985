"""The processes that read and segment articles for `search_index_rebuild(processes=N)`.

They are started afresh (spawn), so this module imports nothing from Django until the
process has set Django up, on the same database as the parent (a test database included).
"""

from __future__ import annotations


def start(database_name: str) -> None:
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database_name


def prepare(page_ids: list[int]):
    from . import segmenter, services

    return services.prepare_documents(page_ids, segmenter.segmenter_for_rebuild())
