"""How the engines store what they are given (their results are test_relevance's)."""

from __future__ import annotations

import pytest
from django.db import connection

from dangjian.search.backends import SQLiteEngine
from dangjian.search.services import prepare_documents, search_index_rebuild
from dangjian.search.tests.fixtures import dated_article


def segments_of_one_rebuild_batch(pages) -> int:
    """How many FTS5 segments storing these pages as one batch of a rebuild writes."""
    prepared = prepare_documents([page.pk for page in pages])
    engine = SQLiteEngine()
    with engine.bulk_load(), connection.cursor() as cursor:
        engine.store([document for document, _ in prepared], [encoded for _, encoded in prepared])
        cursor.execute("SAVEPOINT flush")  # FTS5 writes its pending words out at a savepoint
        cursor.execute("SELECT count(DISTINCT segid) FROM search_fts_idx")
        segments = cursor.fetchone()[0]
        cursor.execute("RELEASE flush")
    return segments


def only_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's")


def test_sqlite_writes_a_batch_out_of_publish_order_as_one_segment(portal_site):
    """A rebuild's batches follow the page ids, whose publish times can be in any order."""
    only_on_sqlite()
    pages = [dated_article(portal_site.channels[0], days, f"第{days}次基层党建工作推进会", "会议部署了重点任务。") for days in range(1, 31)]
    assert segments_of_one_rebuild_batch(pages) == 1


def test_sqlite_writes_a_batch_of_many_words_as_one_segment(portal_site):
    """60,000 distinct words: FTS5's default of 1 MB of words in memory wrote them as several
    segments, all merged again by the rebuild's final optimize."""
    only_on_sqlite()
    pages = [
        dated_article(portal_site.channels[0], n + 1, f"第{n}期简报", " ".join(f"w{n}x{word}" for word in range(2000)))
        for n in range(30)
    ]
    assert segments_of_one_rebuild_batch(pages) == 1
    with connection.cursor() as cursor:  # FTS5's defaults again after the rebuild
        cursor.execute("SELECT k, v FROM search_fts_config WHERE k IN ('automerge', 'crisismerge', 'hashsize') ORDER BY k")
        assert cursor.fetchall() == [("automerge", 4), ("crisismerge", 16), ("hashsize", 1048576)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_rebuild_leaves_every_table_of_the_index_vacuumed(portal_site):
    """Rows nobody has read since they were written cost the first searches that read them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's tables")
    dated_article(portal_site.channels[0], 1, "凤庆县召开基层党建工作推进会", "会议部署了重点任务。")
    tables = ["search_searchdocument", "search_searchvector", "search_searchrank"]

    def vacuums():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)", [tables])
            return dict(cursor.fetchall())

    before = vacuums()
    search_index_rebuild()
    assert vacuums() == {table: before[table] + 1 for table in tables}
