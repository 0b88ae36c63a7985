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

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from operator import itemgetter

from django.db import connection, transaction

from .models import SearchDocument
from .segmenter import is_single_cjk

# Title terms weigh this many times the body's (bm25 column weight on SQLite; PostgreSQL's
# ts_rank gives weight A 1.0 against D 0.1).
TITLE_WEIGHT = 10.0
# PostgreSQL: to_tsvector leaves out words of 2,047 bytes or more, array_to_tsvector refuses them.
MAX_LEXEME_BYTES = 2046
# PostgreSQL: ts_rank of a word found once, with weight D (0.1), normalized by the sum of
# 1/n² (pi²/6) as ts_rank normalizes a word's positions.
SINGLE_OCCURRENCE = 0.1 / (math.pi**2 / 6)
# See PostgresEngine.newest.
DENSE_SHARE = 0.5
WINDOW_MARGIN = 2


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

    def is_prefix(self, term: str) -> bool:
        """A query of one Chinese character finds the words starting with it (党: 党建, 党员).
        Among other one-character words (党 建) each is the word itself: a prefix of a common
        character matches most of the archive (segmenter.query_terms drops them next to
        longer words)."""
        return len(self.terms) == 1 and is_single_cjk(term)


class Engine(ABC):
    """What a full-text engine provides. Keys are SearchDocument.sort_key values; every
    method runs on the default database connection, inside the caller's transaction."""

    @staticmethod
    @abstractmethod
    def encode(item: IndexedText) -> tuple:
        """An article's words as the row store() writes (made outside the transaction,
        possibly in another process during a rebuild)."""

    @abstractmethod
    def store(self, documents: Sequence, encoded: Sequence[tuple]) -> None:
        """Write the SearchDocuments and their encoded words (old rows already deleted)."""

    @abstractmethod
    def bulk_load(self):
        """A context manager for a rebuild: settings for writing many rows, restored after."""

    @abstractmethod
    def newest(self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False, total: int | None = None) -> list[int]:
        """Keys of the newest matches, newest first; `total` (count()) may speed it up."""

    @abstractmethod
    def scored(self, query: Query, *, limit: int, total: int | None = None) -> dict[int, float]:
        """{key: relevance, higher is better} for the newest `limit` matches."""

    @abstractmethod
    def count(self, query: Query) -> int:
        """How many documents match."""

    @staticmethod
    def reading():
        """A context manager around the reads of one search (one snapshot where needed)."""
        return nullcontext()

    @abstractmethod
    def size_bytes(self) -> int:
        """The index's size on disk, for the admin."""


class SQLiteEngine(Engine):
    """The FTS5 table search_fts(title, body, scope), rowid = sort key, prefix index of one
    character; a trigger removes a document's words with its row: when the article is
    re-indexed, and when Django cascades the deletion of its page (migration 0001)."""

    # FTS5 options during a rebuild and after it (FTS5's defaults): no merging while rows
    # arrive, none forced before 1,000 segments (FTS5 allows 2,000; a rebuild writes one a
    # batch), and 64 MB of words in memory before they are written out, enough for a batch
    # to make one segment (figures in bench/README.md).
    BULK_OPTIONS = {"automerge": (0, 4), "crisismerge": (1000, 16), "hashsize": (64 * 2**20, 2**20)}

    @staticmethod
    def encode(item: IndexedText) -> tuple:
        """What store() writes for one document; made where the words were cut (a rebuild's
        other processes), so the writing process only writes."""
        return (item.sort_key, " ".join(item.title_terms), " ".join(item.body_terms), " ".join(item.scopes))

    def store(self, documents: Sequence, encoded: Sequence[tuple]) -> None:
        """Rows go in by ascending sort key: FTS5 writes its pending words out as a new
        segment whenever a rowid is not above the last one, so a batch in page order (random
        publish times) would make one segment per article, all merged again later."""
        SearchDocument.objects.bulk_create(documents)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body, scope) VALUES (%s, %s, %s, %s)", sorted(encoded, key=itemgetter(0))
            )

    @contextmanager
    def bulk_load(self):
        """For a rebuild: each batch written as one segment (its words held in memory until
        the commit, not flushed every megabyte), all segments merged once at the end rather
        than as rows arrive, with a larger page cache: with FTS5's defaults the segments of a
        batch, and merges of them, are written again and again (figures in bench/README.md)."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -200000")
            for option, value in self.BULK_OPTIONS.items():
                cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES (%s, %s)", [option, value[0]])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for option, value in self.BULK_OPTIONS.items():
                    cursor.execute("INSERT INTO search_fts (search_fts, rank) VALUES (%s, %s)", [option, value[1]])
                cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                cursor.execute("PRAGMA cache_size = -2000")
                # A rebuild leaves gigabytes in the write-ahead log; until they are copied back,
                # every later commit tries again, search pages (which record the query)
                # included. Not possible inside a transaction.
                if not connection.in_atomic_block:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @staticmethod
    def _expression(query: Query, *, title_only: bool) -> str:
        terms = " AND ".join(f'"{term}"*' if query.is_prefix(term) else f'"{term}"' for term in query.terms)
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

    def newest(
        self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False, total: int | None = None
    ) -> list[int]:
        """The newest matches (offset, limit); FTS5 walks its rowids newest first itself, so
        the number of matches (total) is not needed."""
        where, params = self._where(query, title_only)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM search_fts WHERE {where} ORDER BY rowid DESC LIMIT %s OFFSET %s", params + [limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def scored(self, query: Query, *, limit: int, total: int | None = None) -> dict[int, float]:
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

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'search_fts%%'")
            return cursor.fetchone()[0]


class PostgresEngine(Engine):
    """An article's words (title, body and the scope words) are a tsvector in
    search_searchvector (models.SearchVector: a narrow table, fast to count in), what
    ranking needs in search_searchrank (models.SearchRank); the title's words and the scope
    words a small tsvector of the document row, for title matches that need no recheck.
    The words' tables have GIN indexes; migrations 0001-0005 create them."""

    columns = ["page_id", "sort_key", "title", "text", "channel_id", "published_at"]
    indexes = ["search_vector_idx", "search_document_title_vector_idx"]

    @staticmethod
    def encode(item: IndexedText) -> tuple:
        """The title's words with the scope words, every word of the article (for matching:
        no positions, which only ranking uses), then for ranking (see store) the number of
        words, the title's words, the body's words found more than once, and the first
        character of each word found once. Our terms are letters, digits and CJK only, so
        `simple` parses the ranking words back as exactly them; a word PostgreSQL cannot
        store (a pasted hash or code) is left out of all of them."""
        title = [term for term in item.title_terms if len(term.encode()) <= MAX_LEXEME_BYTES]
        body = [term for term in item.body_terms if len(term.encode()) <= MAX_LEXEME_BYTES]
        scopes = [f"#{scope}" for scope in item.scopes]
        occurrences = Counter(title + body)
        ranked_body = [term for term in body if occurrences[term] > 1]
        once_initials = "".join(term[0] for term in body if occurrences[term] == 1)
        return (
            " ".join(title + scopes), " ".join(title + body + scopes),
            len(title) + len(body), " ".join(title), " ".join(ranked_body), once_initials,
        )

    def store(self, documents: Sequence, encoded: Sequence[tuple]) -> None:
        """rank_vector: the words of an article that occur more than once or in its title,
        with their positions (weight A in the title). ts_rank of a word in it is what it
        would be in a vector of the whole article with positions; every other matching word
        occurred once in the body, which scores SINGLE_OCCURRENCE (see scored)."""
        placeholders = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO search_searchdocument ({', '.join(self.columns)}, title_vector) "
                f"SELECT {placeholders}, array_to_tsvector(string_to_array(%s, ' '))",
                [
                    [getattr(document, name) for name in self.columns] + [words[0]]
                    for document, words in zip(documents, encoded, strict=True)
                ],
            )
            cursor.executemany(
                "INSERT INTO search_searchvector (sort_key, vector) SELECT %s, array_to_tsvector(string_to_array(%s, ' '))",
                [[document.sort_key, words[1]] for document, words in zip(documents, encoded, strict=True)],
            )
            cursor.executemany(
                "INSERT INTO search_searchrank (sort_key, term_count, rank_vector, once_initials) "
                "SELECT %s, %s, setweight(to_tsvector('simple', %s), 'A') || to_tsvector('simple', %s), %s",
                [[document.sort_key, *words[2:]] for document, words in zip(documents, encoded, strict=True)],
            )

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
                # Statistics for the planner and PostgresEngine.newest; outside a transaction
                # also the old rows of a rebuild cleared, and the visibility map set, which
                # lets the sort-key index answer without reading the table. The ranking rows
                # too: until then the first search to read a row marks it as committed and
                # writes its page again, which made the first searches after a rebuild
                # many times slower (figures in bench/README.md).
                for table in ["search_searchdocument", "search_searchvector", "search_searchrank"]:
                    cursor.execute(f"ANALYZE {table}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {table}")

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
    def _tsquery(query: Query, *, terms: Sequence[str] | None = None, scopes: bool = True) -> str:
        parts = [f"'{term}':*" if query.is_prefix(term) else f"'{term}'" for term in (query.terms if terms is None else terms)]
        return " & ".join(parts + ([f"'#{scope}'" for scope in query.scopes] if scopes else []))

    def _conditions(self, query: Query, *, title_only: bool = False) -> tuple[str, str, list]:
        """The table and the condition of the matching rows."""
        if title_only:
            table, sql, params = "search_searchdocument", "title_vector @@ %s::tsquery", [self._tsquery(query)]
        else:
            table, sql, params = "search_searchvector", "vector @@ %s::tsquery", [self._tsquery(query)]
        if query.key_from is not None:
            sql, params = sql + " AND sort_key >= %s", params + [query.key_from]
        if query.key_to is not None:
            sql, params = sql + " AND sort_key <= %s", params + [query.key_to]
        return table, sql, params

    def _newest_matches(
        self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False, window_from: int | None = None
    ) -> list[int]:
        """The newest matches, all found through the GIN index first. MATERIALIZED keeps the
        planner from walking the sort-key index newest first and checking every row's words,
        which took 450 ms for a word in few articles (20,000 articles). `window_from` limits
        them to the newest articles, in a form the sort-key index cannot take: given the
        choice, the planner read the window's rows through that index and checked each
        one's words (1.2 s for 力量 in 4,500 articles, against 6.7 ms)."""
        table, where, params = self._conditions(query, title_only=title_only)
        if window_from is not None:
            where, params = where + " AND sort_key + 0 >= %s", params + [window_from]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH matches AS MATERIALIZED (SELECT sort_key FROM {table} WHERE {where}) "
                "SELECT sort_key FROM matches ORDER BY sort_key DESC LIMIT %s OFFSET %s",
                params + [limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def _walk_newest(self, query: Query, *, limit: int, offset: int) -> list[int]:
        """The newest matches of a word in most articles: newest article first, each one's
        words checked, until enough are found. ts_match_vq is what @@ calls; written as a
        function, the condition cannot go to the GIN index, so the planner walks the
        sort-key index."""
        table, where, params = self._conditions(query)
        where = where.replace("vector @@ %s::tsquery", "ts_match_vq(vector, %s::tsquery)", 1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sort_key FROM {table} WHERE {where} ORDER BY sort_key DESC LIMIT %s OFFSET %s",
                params + [limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def _documents(self) -> float:
        """How many articles are indexed, as the planner's statistics have it (no count)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_searchvector'::regclass")
            return cursor.fetchone()[0]

    def _key_of_newest(self, position: int) -> int | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sort_key FROM search_searchvector ORDER BY sort_key DESC LIMIT 1 OFFSET %s", [position - 1])
            row = cursor.fetchone()
        return row[0] if row else None

    def newest(
        self, query: Query, *, limit: int, offset: int = 0, title_only: bool = False, total: int | None = None
    ) -> list[int]:
        """The newest matches (offset, limit). Knowing how many matches there are (total), a
        common word is not looked up in every article that has it:
        - in half the articles or more: the newest articles are checked one by one until
          enough match;
        - otherwise the matches are looked for among the newest articles first, in a window
          that should hold twice as many as wanted; if it holds too few, everywhere.
        Walking suits only common words: a rare one would be looked for in most of the archive
        (figures in bench/README.md). A date range is left to the index: its share of the articles is not known."""
        if title_only or not total or query.key_from is not None or query.key_to is not None:
            return self._newest_matches(query, limit=limit, offset=offset, title_only=title_only)
        documents = self._documents()
        if documents <= 0:
            return self._newest_matches(query, limit=limit, offset=offset)
        share = min(1.0, total / documents)
        if share >= DENSE_SHARE:
            return self._walk_newest(query, limit=limit, offset=offset)
        window = math.ceil((offset + limit) / share * WINDOW_MARGIN)
        bound = self._key_of_newest(window) if window < documents / 2 else None
        if bound is not None:
            keys = self._newest_matches(query, limit=limit, offset=offset, window_from=bound)
            if len(keys) == limit:
                return keys
        return self._newest_matches(query, limit=limit, offset=offset)

    def scored(self, query: Query, *, limit: int, total: int | None = None) -> dict[int, float]:
        """One ts_rank per term, added up as bm25 adds up its terms (ts_rank of the whole
        query would rank by how close the terms stand, which bm25 ignores), divided by the
        log of the length as ts_rank's normalization 1 does, so long articles weigh less.
        Read from search_searchrank, a row of about 3 KB for each match ranked."""
        keys = self.newest(query, limit=limit, total=total)
        parts, params = [], []
        for term in query.terms:
            tsquery = self._tsquery(query, terms=[term], scopes=False)
            if query.is_prefix(term):
                # Every word starting with the character counts (ts_rank adds them up),
                # those found once too, each scoring SINGLE_OCCURRENCE.
                parts.append(
                    f"ts_rank(rank_vector, %s::tsquery, 0) + {SINGLE_OCCURRENCE} * "
                    "(char_length(once_initials) - char_length(replace(once_initials, %s, '')))"
                )
                params += [tsquery, term]
            else:
                parts.append(f"greatest(ts_rank(rank_vector, %s::tsquery, 0), {SINGLE_OCCURRENCE})")
                params.append(tsquery)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sort_key, ({' + '.join(parts)}) * {math.log(2)} / ln((greatest(term_count, 1) + 1)::float8) "
                "FROM search_searchrank WHERE sort_key = ANY(%s)",
                params + [keys],
            )
            return dict(cursor.fetchall())

    def count(self, query: Query) -> int:
        """Counted from the bitmap of matches; with a date range, MATERIALIZED keeps the
        planner off the sort-key index (see _newest_matches)."""
        table, where, params = self._conditions(query)
        sql = f"SELECT count(*) FROM {table} WHERE {where}"
        if query.key_from is not None or query.key_to is not None:
            sql = f"WITH matches AS MATERIALIZED (SELECT 1 FROM {table} WHERE {where}) SELECT count(*) FROM matches"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('search_searchdocument') + pg_total_relation_size('search_searchvector') "
                "+ pg_total_relation_size('search_searchrank')"
            )
            return cursor.fetchone()[0]


def engine() -> Engine:
    return PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine()
