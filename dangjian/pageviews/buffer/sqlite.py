"""The embedded default's buffer: a SQLite file of its own (see the package docstring)."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings

from dangjian.core.files import private_file_ensure

from . import CAP_WINDOW, Buffer, Increments, RateLimited, Recorded, _StoredViews, current_hour, previous_minute_weight

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (page_id INTEGER, hour INTEGER, views INTEGER NOT NULL, PRIMARY KEY (page_id, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch (page_id INTEGER, hour INTEGER, views INTEGER NOT NULL, PRIMARY KEY (page_id, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_until ON seen (until);
DROP TABLE IF EXISTS rate;
CREATE TABLE IF NOT EXISTS rate_window (key TEXT PRIMARY KEY, minute INTEGER NOT NULL, hits INTEGER NOT NULL, previous INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS capped (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS capped_key ON capped (key, at);
CREATE INDEX IF NOT EXISTS capped_at ON capped (at);
INSERT OR IGNORE INTO state VALUES ('flushes', '0')
"""



@contextmanager
def _writing(db: sqlite3.Connection):
    """One write transaction: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")



class SqliteBuffer(Buffer):
    """The embedded buffer: its own SQLite file next to the database, so that thousands of
    small beacon transactions a second never queue behind the site's other writes."""

    def __init__(self, path):
        self.path = str(path)
        self._local = threading.local()
        self._stored = _StoredViews()

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and process (a connection must not cross a fork).
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            # SQLite's own busy handler, although its growing sleeps put a long tail on a
            # beacon's latency: finer retries shortened the tail but cost more throughput,
            # and nobody waits for a beacon's answer (figures in bench/README.md).
            private_file_ensure(self.path)
            db = sqlite3.connect(self.path, timeout=20, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA journal_mode = WAL")
            with _writing(db):
                for statement in _SCHEMA.split(";"):
                    db.execute(statement)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def record(self, *, page_id: int, visitor_keys: list[str], rate_key: str, cap_key: str, now: float) -> Recorded:
        # One transaction per beacon, in the request's own thread. Batching them through one
        # thread per process (as RedisBuffer does) is slower here: a batch waits whole for
        # the other process's lock (figures in bench/README.md).
        until = int(now) + settings.PAGEVIEWS_DEDUP_SECONDS
        minute = int(now // 60)
        with _writing(self._db()) as db:
            hits, previous = db.execute(
                "INSERT INTO rate_window VALUES (?, ?, 1, 0) ON CONFLICT (key) DO UPDATE SET "
                "previous = CASE WHEN minute = excluded.minute THEN previous WHEN minute = excluded.minute - 1 THEN hits ELSE 0 END, "
                "hits = CASE WHEN minute = excluded.minute THEN hits + 1 ELSE 1 END, minute = excluded.minute RETURNING hits, previous",
                (rate_key, minute),
            ).fetchone()
            # A refused beacon still counts against the rate (committed, as in Redis): a
            # client that keeps hammering stays refused.
            limited = hits + previous * previous_minute_weight(now) > settings.PAGEVIEWS_RATE_LIMIT
            counted = not limited and db.execute(
                "INSERT INTO seen VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE until <= ?",
                (visitor_keys[0], until, int(now)),
            ).rowcount == 1
            for key in visitor_keys[1:] if not limited else ():
                db.execute("INSERT INTO seen VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until", (key, until))
            if counted:
                recent = db.execute("SELECT COUNT(*) FROM capped WHERE key = ? AND at > ?", (cap_key, now - CAP_WINDOW)).fetchone()[0]
                counted = recent < settings.PAGEVIEWS_ADDRESS_HOURLY
            if counted:
                db.execute("INSERT INTO capped VALUES (?, ?)", (cap_key, now))
                db.execute(
                    "INSERT INTO pending VALUES (?, ?, 1) ON CONFLICT (page_id, hour) DO UPDATE SET views = views + 1",
                    (page_id, current_hour(now)),
                )
            unflushed, flushes = db.execute(_UNFLUSHED_SQL, (page_id, page_id)).fetchone()
        if limited:
            raise RateLimited
        return Recorded(counted, self._stored(page_id, flushes) + unflushed)

    def peek(self, *, page_id: int) -> int:
        unflushed, flushes = self._db().execute(_UNFLUSHED_SQL, (page_id, page_id)).fetchone()
        return self._stored(page_id, flushes) + unflushed

    def take(self) -> tuple[str, Increments] | None:
        """The batch in flight (left by a flusher that died), or a new one made of
        everything pending; None when there is nothing to flush."""
        with _writing(self._db()) as db:
            row = db.execute("SELECT value FROM state WHERE name = 'batch'").fetchone()
            if row is None and db.execute("SELECT 1 FROM pending LIMIT 1").fetchone():
                db.execute("INSERT INTO batch SELECT * FROM pending")
                db.execute("DELETE FROM pending")
                row = (f"sqlite-{uuid.uuid4().hex}",)
                db.execute("INSERT INTO state VALUES ('batch', ?)", row)
            if row is None:
                return None
            return row[0], {(page_id, hour): views for page_id, hour, views in db.execute("SELECT * FROM batch")}

    def done(self, batch_id: str) -> None:
        with _writing(self._db()) as db:
            if db.execute("DELETE FROM state WHERE name = 'batch' AND value = ?", (batch_id,)).rowcount:
                db.execute("DELETE FROM batch")
                db.execute("UPDATE state SET value = CAST(value AS INTEGER) + 1 WHERE name = 'flushes'")

    def forget_expired(self, *, now: float) -> None:
        with _writing(self._db()) as db:
            db.execute("DELETE FROM seen WHERE until <= ?", (int(now),))
            db.execute("DELETE FROM rate_window WHERE minute < ?", (int(now // 60) - 1,))
            db.execute("DELETE FROM capped WHERE at <= ?", (now - CAP_WINDOW,))

    def is_empty(self) -> bool:
        db = self._db()
        return not any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in ("pending", "batch", "seen", "rate_window", "capped"))

    def clear(self) -> None:
        """Drop everything buffered (tests and `demo --reset` only)."""
        with _writing(self._db()) as db:
            for table in ("pending", "batch", "seen", "rate_window", "capped"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM state WHERE name = 'batch'")


_UNFLUSHED_SQL = (
    "SELECT (SELECT COALESCE(SUM(views), 0) FROM pending WHERE page_id = ?)"
    " + (SELECT COALESCE(SUM(views), 0) FROM batch WHERE page_id = ?), (SELECT value FROM state WHERE name = 'flushes')"
)
