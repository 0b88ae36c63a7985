"""The write-behind buffer between the beacon and the stored counts.

A beacon (beacon.py) asks the buffer to *record* a view: in one atomic step the buffer
checks the client's rate, checks whether this visitor was already counted for this article
in the dedup window and whether the client's address has reached its views of this article
in the last hour, and if neither adds one to the article's pending views for the current
hour. The beacon answers 2xx only after that step has returned. The flusher
(services.pageviews_flush, run by the scheduler every few seconds) moves pending views into
ViewTotal, HourlyViews and DailyViews in batches. The count a beacon answers is the stored
total (memoized per process until the next flush) plus what is pending or in flight.

Both buffers flush the same way, in three steps: *take* (atomically turn everything
pending into the in-flight batch, under a new batch id; or, if a batch is already in
flight, return that one), *apply* (services.views_apply: add the batch to the stored
counts in one database transaction that also inserts a FlushBatch row with the batch id,
unique, so a batch offered twice is applied once), *done* (atomically drop the batch, only
if its id still matches). A flusher killed between any two steps leaves the batch in
flight, and the next flush finishes it exactly once.

**SqliteBuffer** (embedded default, no Redis): a SQLite file of its own next to the
database (WAL, synchronous=NORMAL), so beacon transactions never queue behind the site's
other writes. Record is one BEGIN IMMEDIATE transaction.
- Durable when: the record transaction has committed, before the beacon answers. A
  committed transaction is in the WAL file: killing any process loses nothing (only a power
  cut could drop the last commits under synchronous=NORMAL).
- A web worker killed mid-record: its transaction never committed and it never answered
  2xx, so nothing was accepted. Killed after the commit: the view is in the file.
- It is one machine's file: without Redis, run one host (or share nothing but the DB).

**RedisBuffer** (production): pending views are one Redis hash; one Lua script does
rate, dedup and increment atomically; take and done are Lua scripts too.
- Durable when: the script has run, before the beacon answers; from then on the view is in
  Redis, which must keep its data across restarts (`appendonly yes`: see README).
- A web worker killed at any point: the script runs entirely or not at all in Redis.

What a crash of each process costs: nothing that was answered 2xx.
"""

from __future__ import annotations

import os
import queue
import socket
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection

from dangjian.core.files import private_file_ensure
from dangjian.core.redis_keys import delete_prefix

# page_id, hour (hours since the epoch, UTC) -> views
Increments = dict[tuple[int, int], int]


class RateLimited(Exception):
    pass


@dataclass(frozen=True)
class Recorded:
    counted: bool
    views: int | None  # views counted since creation incl. this one, when the buffer knows it


def current_hour(now: float) -> int:
    return int(now // 3600)


CAP_WINDOW = 3600  # PAGEVIEWS_ADDRESS_HOURLY counts views in the last hour, sliding


def previous_minute_weight(now: float) -> float:
    """The rate limit's sliding window: this minute's beacons plus the previous minute's,
    weighted by how much of that minute the last 60 s still cover. A fixed clock minute
    would let a burst across a minute boundary through twice."""
    return 1 - (now % 60) / 60


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


class _StoredViews:
    """Per-process memo of the flushed totals (ViewTotal), valid until the next flush: the
    buffer counts its flushes, and a new count empties the memo."""

    def __init__(self):
        self._stored: dict[int, int] = {}
        self._as_of = None

    def __call__(self, page_id: int, flushes) -> int:
        if flushes != self._as_of:
            self._stored, self._as_of = {}, flushes
        stored = self._stored.get(page_id)
        if stored is None:
            from .models import ViewTotal

            try:
                stored = ViewTotal.objects.filter(page_id=page_id).values_list("views", flat=True).first() or 0
            except DatabaseError:
                connection.close()  # outside Django's request cycle nothing else would
                raise
            if len(self._stored) > 100_000:
                self._stored.clear()
            self._stored[page_id] = stored
        return stored


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


class SqliteBuffer:
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


# Several beacons in one call (see _Batcher). KEYS: pending, batch, flushes. ARGV: rate
# limit, dedup seconds, key prefix, views per address and article an hour, the cap's
# window, then per beacon: rate key, minute, previous minute's weight, cap key, now, page
# field, hour field, n = number of visitor keys, the n visitor keys (the first decides, the
# others are marked). Answers per beacon: counted (1, 0, or -1 over the rate limit) and
# the page's unflushed views; then the flush counter.
_RECORD = """
local limit, ttl, prefix, cap_limit, cap_window = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local out, i = {}, 6
while i <= #ARGV do
  local rate, minute, weight = prefix .. 'rate:' .. ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local cap, now = prefix .. 'cap:' .. ARGV[i + 3], tonumber(ARGV[i + 4])
  local page, hour, n = ARGV[i + 5], ARGV[i + 6], tonumber(ARGV[i + 7])
  local counted = -1
  local hits = redis.call('INCR', rate .. ':' .. minute)
  if hits == 1 then redis.call('EXPIRE', rate .. ':' .. minute, 120) end
  local previous = tonumber(redis.call('GET', rate .. ':' .. (minute - 1)) or '0')
  if hits + previous * weight <= limit then
    counted = 0
    if redis.call('SET', prefix .. 'seen:' .. ARGV[i + 8], '1', 'NX', 'EX', ttl) then
      redis.call('ZREMRANGEBYSCORE', cap, '-inf', now - cap_window)
      if redis.call('ZCARD', cap) < cap_limit then
        counted = 1
        redis.call('ZADD', cap, now, ARGV[i + 8])
        redis.call('EXPIRE', cap, cap_window)
        redis.call('HINCRBY', KEYS[1], hour, 1)
        redis.call('HINCRBY', KEYS[1], page, 1)
      end
    end
    for j = i + 9, i + 7 + n do redis.call('SET', prefix .. 'seen:' .. ARGV[j], '1', 'EX', ttl) end
  end
  out[#out + 1] = counted
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[1], page) or '0') + tonumber(redis.call('HGET', KEYS[2], page) or '0')
  i = i + 8 + n
end
out[#out + 1] = tonumber(redis.call('GET', KEYS[3]) or '0')
return out
"""
# KEYS: pending, batch, flushes  ARGV: page field
_PEEK = """
local unflushed = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
return {unflushed, tonumber(redis.call('GET', KEYS[3]) or '0')}
"""
# KEYS: pending, batch, batch id  ARGV: id for a new batch
_TAKE = """
local current = redis.call('GET', KEYS[3])
if current then return current end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
return ARGV[1]
"""
# KEYS: batch, batch id, flushes  ARGV: id
_DONE = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('INCR', KEYS[3])
end
"""


class _RespConnection:
    """One Redis connection per thread for the beacon's single command. Measured here:
    EVALSHA through redis-py costs 66 µs of CPU (connection pool, retry wrapper, command
    packing), over a plain socket with hiredis' parser 18 µs; at 10,000 beacons/s on two
    cores that difference is a third of a core. Everything else uses redis-py."""

    def __init__(self, url: str):
        from redis.connection import parse_url

        options = parse_url(url)
        self.address = (options.get("host", "127.0.0.1"), int(options.get("port", 6379)))
        self.setup = []
        if options.get("password"):
            self.setup.append(("AUTH", *filter(None, (options.get("username"), options["password"]))))
        if options.get("db"):
            self.setup.append(("SELECT", options["db"]))
        self._local = threading.local()

    @staticmethod
    def supports(url: str) -> bool:
        return url.startswith("redis://")

    def _socket(self):
        import hiredis

        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            sock = socket.create_connection(self.address, timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local.sock, local.reader, local.pid = sock, hiredis.Reader(), os.getpid()
            for command in self.setup:
                self._roundtrip(local, command)
        return local

    @staticmethod
    def _roundtrip(local, args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            arg = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        local.sock.sendall(b"".join(parts))
        while (reply := local.reader.gets()) is False:
            data = local.sock.recv(65536)
            if not data:
                raise ConnectionError("Redis closed the connection")
            local.reader.feed(data)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def call(self, *args):
        local = self._socket()
        try:
            return self._roundtrip(local, args)
        except OSError:
            local.sock.close()
            local.pid = None  # reconnect next time
            raise


class _Batcher:
    """Beacons that arrive together go to Redis together: each request thread hands its
    beacon to one sender thread per process and waits; the sender sends whatever has queued
    up as one script call. At 10,000 beacons/s a call per beacon kept Redis itself at half a
    core and the web workers busy in system calls (bench/pageviews.py)."""

    MAX = 128

    def __init__(self, send):
        self.send = send
        self.pid = None
        self.lock = threading.Lock()

    def submit(self, item):
        if self.pid != os.getpid():  # first use in this process (threads do not survive a fork)
            with self.lock:
                if self.pid != os.getpid():
                    self.queue = queue.SimpleQueue()
                    threading.Thread(target=self._run, args=(self.queue,), daemon=True, name="pageviews-sender").start()
                    self.pid = os.getpid()
        slot = [threading.Event(), None, None]  # done, result, error
        self.queue.put((item, slot))
        slot[0].wait()
        if slot[2] is not None:
            raise slot[2]
        return slot[1]

    def _run(self, waiting: queue.SimpleQueue) -> None:
        while True:
            batch = [waiting.get()]
            while len(batch) < self.MAX:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            try:
                for (_item, slot), result in zip(batch, self.send([item for item, _slot in batch]), strict=True):
                    slot[1] = result
            except Exception as error:  # Redis down: every waiting beacon answers 503
                for _item, slot in batch:
                    slot[2] = error
            for _item, slot in batch:
                slot[0].set()


class RedisBuffer:
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self._fast = _RespConnection(url) if _RespConnection.supports(url) else None
        self.prefix = f"{prefix}:pv:"
        self.pending, self.batch, self.batch_id, self.flushes = (
            self.prefix + name for name in ("pending", "batch", "batch-id", "flushes")
        )
        self._scripts = {name: self.client.register_script(code) for name, code in
                         (("record", _RECORD), ("peek", _PEEK), ("take", _TAKE), ("done", _DONE))}
        self._stored = _StoredViews()
        self._batcher = _Batcher(self._record_many)

    def _run(self, name: str, keys: list[str], args: list):
        script = self._scripts[name]
        try:
            if self._fast is not None:
                return self._fast.call("EVALSHA", script.sha, len(keys), *keys, *args)
            return self.client.evalsha(script.sha, len(keys), *keys, *args)
        except Exception as error:
            if "NOSCRIPT" not in str(error):
                raise
            return script(keys=keys, args=args)  # Redis restarted or was flushed: load it again

    def record(self, *, page_id: int, visitor_keys: list[str], rate_key: str, cap_key: str, now: float) -> Recorded:
        beacon = (rate_key, int(now // 60), repr(previous_minute_weight(now)), cap_key, repr(now),
                  f"p:{page_id}", f"h:{page_id}:{current_hour(now)}", len(visitor_keys), *visitor_keys)
        counted, unflushed, flushes = self._batcher.submit(beacon)
        if counted < 0:
            raise RateLimited
        return Recorded(counted == 1, self._stored(page_id, flushes) + unflushed)

    def _record_many(self, beacons: list[tuple]) -> list[tuple[int, int, int]]:
        args = [settings.PAGEVIEWS_RATE_LIMIT, settings.PAGEVIEWS_DEDUP_SECONDS, self.prefix, settings.PAGEVIEWS_ADDRESS_HOURLY, CAP_WINDOW]
        for beacon in beacons:
            args.extend(beacon)
        out = self._run("record", [self.pending, self.batch, self.flushes], args)
        return [(out[2 * n], out[2 * n + 1], out[-1]) for n in range(len(beacons))]

    def peek(self, *, page_id: int) -> int:
        unflushed, flushes = self._run("peek", [self.pending, self.batch, self.flushes], [f"p:{page_id}"])
        return self._stored(page_id, flushes) + unflushed

    def take(self) -> tuple[str, Increments] | None:
        batch_id = self._run("take", [self.pending, self.batch, self.batch_id], [f"redis-{uuid.uuid4().hex}"])
        if batch_id is None:
            return None
        increments: Increments = {}
        for field, value in self.client.hgetall(self.batch).items():
            kind, _, rest = field.decode().partition(":")
            if kind == "h":
                page_id, hour = rest.split(":")
                increments[(int(page_id), int(hour))] = int(value)
        return batch_id.decode(), increments

    def done(self, batch_id: str) -> None:
        self._run("done", [self.batch, self.batch_id, self.flushes], [batch_id])

    def forget_expired(self, *, now: float) -> None:
        """Redis expires seen visitors and rate windows itself."""

    def is_empty(self) -> bool:
        return next(iter(self.client.scan_iter(match=self.prefix + "*", count=1000)), None) is None

    def clear(self) -> None:
        """Drop everything buffered (tests and `demo --reset` only)."""
        delete_prefix(self.client, self.prefix)


@cache
def get_buffer() -> SqliteBuffer | RedisBuffer:
    if settings.REDIS_URL:
        return RedisBuffer(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"))
    return SqliteBuffer(settings.PAGEVIEWS_BUFFER_PATH)
