"""How the engines store what they are given (their results are test_relevance's)."""

from __future__ import annotations

import pytest
from django.db import connection

from dangjian.search.backends import SQLiteEngine
from dangjian.search.services import prepare_documents
from dangjian.search.tests.fixtures import dated_article


def test_sqlite_writes_a_batch_out_of_publish_order_as_one_segment(portal_site):
    """A rebuild's batches follow the page ids, whose publish times can be in any order."""
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    pages = [dated_article(portal_site.channels[0], days, f"第{days}次基层党建工作推进会", "会议部署了重点任务。") for days in range(1, 31)]
    prepared = prepare_documents([page.pk for page in pages])
    engine = SQLiteEngine()
    with engine.bulk_load(), connection.cursor() as cursor:
        engine.store([document for document, _ in prepared], [encoded for _, encoded in prepared])
        cursor.execute("SAVEPOINT flush")  # FTS5 writes its pending words out at a savepoint
        cursor.execute("SELECT count(DISTINCT segid) FROM search_fts_idx")
        assert cursor.fetchone()[0] == 1
        cursor.execute("RELEASE flush")
