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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

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
    table = "search_fts"

    # The trigger removes a document's words with its row: when the article is re-indexed,
    # and when Django cascades the deletion of its page.
    create_sql = [
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
        "title, body, scope, tokenize = 'unicode61 remove_diacritics 0', prefix = '1')",
        "CREATE TRIGGER IF NOT EXISTS search_document_deleted AFTER DELETE ON search_searchdocument "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.sort_key; END",
    ]
    drop_sql = ["DROP TRIGGER IF EXISTS search_document_deleted", "DROP TABLE IF EXISTS search_fts"]

    def write(self, items: Iterable[IndexedText]) -> None:
        rows = [(i.sort_key, " ".join(i.title_terms), " ".join(i.body_terms), " ".join(i.scopes)) for i in items]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts (rowid, title, body, scope) VALUES (%s, %s, %s, %s)", rows)

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")

    @staticmethod
    def _expression(query: Query, *, title_only: bool) -> str:
        terms = " AND ".join(f'"{term}"*' if is_single_cjk(term) else f'"{term}"' for term in query.terms)
        expression = f"{{{'title' if title_only else 'title body'}}} : ({terms})"
        for scope in query.scopes:
            expression += f' AND {{scope}} : "{scope}"'
        return expression

    def _where(self, query: Query, title_only: bool, keys: Sequence[int] | None = None) -> tuple[str, list]:
        sql, params = "search_fts MATCH %s", [self._expression(query, title_only=title_only)]
        if query.key_from is not None:
            sql, params = sql + " AND rowid >= %s", params + [query.key_from]
        if query.key_to is not None:
            sql, params = sql + " AND rowid <= %s", params + [query.key_to]
        if keys is not None:
            sql += f" AND rowid IN ({', '.join(['%s'] * len(keys))})"
            params += list(keys)
        return sql, params

    def newest(self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False) -> list[int]:
        where, params = self._where(query, title_only)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM search_fts WHERE {where} ORDER BY rowid DESC LIMIT %s OFFSET %s", params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def scored(self, query: Query, *, limit: int | None = None, keys: Sequence[int] | None = None) -> dict[int, float]:
        """{sort key: relevance (higher is better)} for the newest `limit` matches, or for `keys`."""
        where, params = self._where(query, False, keys)
        sql = f"SELECT rowid, -bm25(search_fts, {TITLE_WEIGHT}, 1.0, 0.0) FROM search_fts WHERE {where} ORDER BY rowid DESC"
        if limit is not None:
            sql, params = sql + " LIMIT %s", params + [limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def count(self, query: Query) -> int:
        where, params = self._where(query, False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM search_fts WHERE {where}", params)
            return cursor.fetchone()[0]

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search_fts%%'")
            return cursor.fetchone()[0]


class PostgresEngine:
    table = "search_searchdocument"

    # The words are a column of the document's row, so they go with it.
    create_sql = [
        "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS vector tsvector",
        "CREATE INDEX IF NOT EXISTS search_document_vector_idx ON search_searchdocument USING gin (vector)",
    ]
    drop_sql = ["DROP INDEX IF EXISTS search_document_vector_idx", "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector"]

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

    def write(self, items: Iterable[IndexedText]) -> None:
        rows = [(self.vector(item), item.sort_key) for item in items]
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE search_searchdocument SET vector = %s::tsvector WHERE sort_key = %s", rows)

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")

    @staticmethod
    def _tsquery(query: Query, *, title_only: bool) -> str:
        weight = "A" if title_only else ""
        parts = [f"'{term}':*{weight}" if is_single_cjk(term) else (f"'{term}':{weight}" if weight else f"'{term}'") for term in query.terms]
        return " & ".join(parts + [f"'#{scope}'" for scope in query.scopes])

    def _where(self, query: Query, title_only: bool, keys: Sequence[int] | None = None) -> tuple[str, list]:
        sql, params = "vector @@ %s::tsquery", [self._tsquery(query, title_only=title_only)]
        if query.key_from is not None:
            sql, params = sql + " AND sort_key >= %s", params + [query.key_from]
        if query.key_to is not None:
            sql, params = sql + " AND sort_key <= %s", params + [query.key_to]
        if keys is not None:
            sql, params = sql + " AND sort_key = ANY(%s)", params + [list(keys)]
        return sql, params

    def newest(self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False) -> list[int]:
        where, params = self._where(query, title_only)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT sort_key FROM search_searchdocument WHERE {where} ORDER BY sort_key DESC LIMIT %s OFFSET %s", params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def scored(self, query: Query, *, limit: int | None = None, keys: Sequence[int] | None = None) -> dict[int, float]:
        where, params = self._where(query, False, keys)
        # One ts_rank per term, added up as bm25 adds up its terms: ts_rank of the whole
        # query would rank by how close the terms stand, which bm25 ignores. Normalization 1
        # divides by the log of the length, as bm25 weighs long articles down.
        per_term = [self._tsquery(Query(terms=[term]), title_only=False) for term in query.terms]
        rank = " + ".join(["ts_rank(vector, %s::tsquery, 1)"] * len(per_term))
        sql = f"SELECT sort_key, {rank} FROM search_searchdocument WHERE {where} ORDER BY sort_key DESC"
        params = per_term + params
        if limit is not None:
            sql, params = sql + " LIMIT %s", params + [limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def count(self, query: Query) -> int:
        where, params = self._where(query, False)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM search_searchdocument WHERE {where}", params)
            return cursor.fetchone()[0]

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('search_searchdocument')")
            return cursor.fetchone()[0]


def engine() -> SQLiteEngine | PostgresEngine:
    return PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine()
