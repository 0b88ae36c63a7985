"""The full-text engines: SQLite FTS5 in the embedded default, PostgreSQL's tsvector/GIN in
production. Both index text that segmenter.py has already cut into words, so neither needs a
Chinese tokenizer, and both get the same terms, weights and filters from selectors.py.

Rows are keyed by SearchDocument.sort_key (publish time, then page id), so the newest-first
order and date ranges come from the index itself.

Every term reaching here is made of letters, digits and CJK characters only (segmenter.py),
and the statements pass it as a parameter: a reader's query is never parsed as FTS5 or
tsquery syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.db import connection, transaction

from .models import SearchDocument
from .segmenter import is_single_cjk

# Title terms weigh this many times the body's (bm25 column weight on SQLite; PostgreSQL's
# ts_rank gives weight A 1.0 against D 0.1).
TITLE_WEIGHT = 10.0
# PostgreSQL limits: positions up to 16383, at most 256 positions kept per word.
PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_TERM = 255


@dataclass(frozen=True)
class IndexedText:
    sort_key: int
    title_terms: Sequence[str]
    body_terms: Sequence[str]
    scopes: Sequence[str]  # e.g. "c12": the channel with page id 12


@dataclass(frozen=True)
class Query:
    terms: Sequence[str]
    scopes: Sequence[str] = ()
    key_from: int | None = None
    key_to: int | None = None


class SQLiteEngine:
    # The trigger removes a document's words with its row: when the article is re-indexed,
    # and when Django cascades the deletion of its page.
    create_sql = [
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
        "title, body, scope, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')",
        "CREATE TRIGGER IF NOT EXISTS search_document_deleted AFTER DELETE ON search_searchdocument "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.sort_key; END",
    ]
    drop_sql = ["DROP TRIGGER IF EXISTS search_document_deleted", "DROP TABLE IF EXISTS search_fts"]

    @staticmethod
    def encode(item: IndexedText) -> tuple:
        """What store() writes for one document; made where the words were cut (a rebuild's
        other processes), so the writing process only writes."""
        return (item.sort_key, " ".join(item.title_terms), " ".join(item.body_terms), " ".join(item.scopes))

    def store(self, documents: Sequence, encoded: Sequence[tuple]) -> None:
        SearchDocument.objects.bulk_create(documents)
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts (rowid, title, body, scope) VALUES (%s, %s, %s, %s)", encoded)

    @contextmanager
    def bulk_load(self):
        """For a rebuild: merge the index's segments once at the end rather than as rows
        arrive, with a larger page cache (measured on 20,000 articles: inserts 23.6 s -> 16.1 s)."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -200000")
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0)")
            cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 64)")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4)")
                cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('crisismerge', 16)")
                cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                cursor.execute("PRAGMA cache_size = -2000")
                # A rebuild leaves gigabytes in the write-ahead log; until they are copied back,
                # every later commit tries again (search pages, which record the query, took
                # 150 ms instead of 15 at 100,000 articles). Not possible inside a transaction.
                if not connection.in_atomic_block:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _expression(query: Query, *, title_only: bool) -> str:
        terms = " AND ".join(f'"{term}"*' if is_single_cjk(term) else f'"{term}"' for term in query.terms)
        expression = f"{{{'title' if title_only else 'title body'}}} : ({terms})"
        for scope in query.scopes:
            expression += f' AND {{scope}} : "{scope}"'
        return expression

    def _where(self, query: Query, title_only: bool) -> tuple[str, list]:
        sql, params = "search_fts MATCH %s", [self._expression(query, title_only=title_only)]
        if query.key_from is not None:
            sql, params = sql + " AND rowid >= %s", params + [query.key_from]
        if query.key_to is not None:
            sql, params = sql + " AND rowid <= %s", params + [query.key_to]
        return sql, params

    def newest(self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False) -> list[int]:
        where, params = self._where(query, title_only)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM search_fts WHERE {where} ORDER BY rowid DESC LIMIT %s OFFSET %s", params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def scored(self, query: Query, *, limit: int) -> dict[int, float]:
        """{sort key: relevance (higher is better)} for the newest `limit` matches."""
        where, params = self._where(query, False)
        sql = f"SELECT rowid, -bm25(search_fts, {TITLE_WEIGHT}, 1.0, 0.0) FROM search_fts WHERE {where} ORDER BY rowid DESC LIMIT %s"
        params.append(limit)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def count(self, query: Query) -> int:
        where, params = self._where(query, False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM search_fts WHERE {where}", params)
            return cursor.fetchone()[0]

    @staticmethod
    def reading():
        return nullcontext()

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search_fts%%'")
            return cursor.fetchone()[0]


class PostgresEngine:
    # The words are columns of the document's row, so they go with it. The title's own
    # vector is small and needs no recheck, unlike a weight-A query on the whole vector.
    create_sql = [
        "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS vector tsvector",
        "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS title_vector tsvector",
        # Without fastupdate: the pending list of a busy index made the planner estimate
        # index scans 50 times too high and choose a sequential scan (see reading).
        "CREATE INDEX IF NOT EXISTS search_document_vector_idx ON search_searchdocument "
        "USING gin (vector) WITH (fastupdate = off)",
        "CREATE INDEX IF NOT EXISTS search_document_title_vector_idx ON search_searchdocument "
        "USING gin (title_vector) WITH (fastupdate = off)",
    ]
    drop_sql = [
        "DROP INDEX IF EXISTS search_document_title_vector_idx", "DROP INDEX IF EXISTS search_document_vector_idx",
        "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS title_vector",
        "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    ]
    columns = ["page_id", "sort_key", "title", "text", "channel_id", "published_at"]

    @staticmethod
    def vector(item: IndexedText) -> str:
        """A tsvector literal: title positions weighted A, the scopes as words with no position."""
        positions: dict[str, list[str]] = {}
        for position, term in enumerate(item.title_terms, start=1):
            positions.setdefault(term, []).append(f"{min(position, PG_MAX_POSITION)}A")
        for position, term in enumerate(item.body_terms, start=len(item.title_terms) + 1):
            if position > PG_MAX_POSITION:
                positions.setdefault(term, [])
                continue
            positions.setdefault(term, []).append(str(position))
        words = [f"'{term}':{','.join(marks[:PG_MAX_POSITIONS_PER_TERM])}" if marks else f"'{term}'" for term, marks in positions.items()]
        return " ".join(words + [f"'#{scope}'" for scope in item.scopes])

    @staticmethod
    def title_vector(item: IndexedText) -> str:
        return " ".join(f"'{term}'" for term in dict.fromkeys(item.title_terms))

    @classmethod
    def encode(cls, item: IndexedText) -> tuple:
        return (cls.vector(item), cls.title_vector(item))

    def store(self, documents: Sequence, encoded: Sequence[tuple]) -> None:
        """Insert the documents with their vectors: one row version, not an insert and an update."""
        rows = [
            [getattr(document, name) for name in self.columns] + list(vectors)
            for document, vectors in zip(documents, encoded, strict=True)
        ]
        placeholders = ", ".join(["%s"] * len(self.columns))
        sql = (
            f"INSERT INTO search_searchdocument ({', '.join(self.columns)}, vector, title_vector) "
            f"VALUES ({placeholders}, %s::tsvector, %s::tsvector)"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    indexes = ["search_document_vector_idx", "search_document_title_vector_idx"]

    @contextmanager
    def bulk_load(self):
        """For a rebuild: new words go to the GIN indexes' pending lists, merged into the
        indexes once at the end (as fast as building them anew: 24 s for 20,000 articles,
        against 80 s inserted one by one), while searches go on."""
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET work_mem = '256MB'")
            for name in self.indexes:
                cursor.execute(f"ALTER INDEX {name} SET (fastupdate = on, gin_pending_list_limit = 2097151)")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for name in self.indexes:
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
                    cursor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
                    cursor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")
                cursor.execute("RESET maintenance_work_mem")
                cursor.execute("RESET work_mem")
                cursor.execute("ANALYZE search_searchdocument")

    @staticmethod
    @contextmanager
    def reading():
        """Searches in this block never read the table sequentially: the vectors are stored
        out of line (TOAST), which the planner does not count, so for a common word it chose
        to read the whole table: 236 ms against 10 ms through the index (20,000 articles)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            yield

    @staticmethod
    def _tsquery(terms: Sequence[str], scopes: Sequence[str] = ()) -> str:
        parts = [f"'{term}':*" if is_single_cjk(term) else f"'{term}'" for term in terms]
        return " & ".join(parts + [f"'#{scope}'" for scope in scopes])

    def _matches(self, query: Query, *, title_only: bool = False) -> tuple[str, list]:
        """The matching sort keys, found through the GIN index. MATERIALIZED keeps the planner
        from walking the sort-key index newest first and checking every row's words, which
        took 450 ms for a word in few articles (20,000 articles)."""
        if title_only:
            sql, params = "title_vector @@ %s::tsquery", [self._tsquery(query.terms)]
            if query.scopes:
                sql, params = sql + " AND vector @@ %s::tsquery", params + [self._tsquery([], query.scopes)]
        else:
            sql, params = "vector @@ %s::tsquery", [self._tsquery(query.terms, query.scopes)]
        if query.key_from is not None:
            sql, params = sql + " AND sort_key >= %s", params + [query.key_from]
        if query.key_to is not None:
            sql, params = sql + " AND sort_key <= %s", params + [query.key_to]
        return f"WITH matches AS MATERIALIZED (SELECT sort_key FROM search_searchdocument WHERE {sql})", params

    def newest(self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False) -> list[int]:
        matches, params = self._matches(query, title_only=title_only)
        with connection.cursor() as cursor:
            cursor.execute(f"{matches} SELECT sort_key FROM matches ORDER BY sort_key DESC LIMIT %s OFFSET %s", params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def scored(self, query: Query, *, limit: int) -> dict[int, float]:
        matches, params = self._matches(query)
        # One ts_rank per term, added up as bm25 adds up its terms: ts_rank of the whole
        # query would rank by how close the terms stand, which bm25 ignores. Normalization 1
        # divides by the log of the length, as bm25 weighs long articles down.
        per_term = [self._tsquery([term]) for term in query.terms]
        rank = " + ".join(["ts_rank(d.vector, %s::tsquery, 1)"] * len(per_term))
        sql = (
            f"{matches}, newest AS (SELECT sort_key FROM matches ORDER BY sort_key DESC LIMIT %s) "
            f"SELECT d.sort_key, {rank} FROM newest JOIN search_searchdocument d ON d.sort_key = newest.sort_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params + [limit] + per_term)
            return dict(cursor.fetchall())

    def count(self, query: Query) -> int:
        """Without a date range, counted straight from the bitmap of matches: no keys are
        materialized, and with no column to read PostgreSQL skips the table pages that
        (auto)vacuum marked all-visible: 1.9 ms against 3.7 ms for 6,000 matches (20,000
        articles, vacuumed). With a range, the materialized form keeps the planner off the
        sort-key index (see _matches)."""
        if query.key_from is None and query.key_to is None:
            sql, params = "SELECT count(*) FROM search_searchdocument WHERE vector @@ %s::tsquery", [self._tsquery(query.terms, query.scopes)]
        else:
            matches, params = self._matches(query)
            sql = f"{matches} SELECT count(*) FROM matches"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('search_searchdocument')")
            return cursor.fetchone()[0]


def engine() -> SQLiteEngine | PostgresEngine:
    return PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine()
