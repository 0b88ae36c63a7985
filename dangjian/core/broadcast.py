"""Purges reach every host: with REDIS_URL set, each purge a host applies to its own page
cache is also appended to a Redis stream, and every `dangjian serve` host applies the
entries of the others to its cache (a thread of the serve command's supervisor).

Why a stream with a counter rather than pub/sub: pub/sub drops what a disconnected
subscriber misses without a trace. Each entry carries a sequence number taken in the same
Lua script that appends it, so entries are in sequence order; a host that sees a gap (it
was away longer than the stream's cap, or the stream was reset) cannot know what it
missed and removes every page it holds. So does a host that starts or reconnects, before
it reads on: the purges it missed meanwhile are not in its files any more.

Entries carry URL keys and paths, not dependency keys: the publishing host already read
the shared dependency table, and paths are turned into URLs with each host's own list of
host names. This module needs no database, only the page cache and Redis.
"""

from __future__ import annotations

import functools
import json
import logging
import socket
import threading
import uuid
from dataclasses import asdict, dataclass, field

from .pagecache import PageCache

logger = logging.getLogger(__name__)

STREAM_LENGTH = 10_000  # entries kept; a host further behind than this removes everything
_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'seq', seq, 'origin', ARGV[1], 'purge', ARGV[2])
return seq
"""


@dataclass
class PurgeMessage:
    """What one purge did to the publishing host's cache."""

    removed_urls: list[str] = field(default_factory=list)
    removed_paths: list[str] = field(default_factory=list)
    stale_urls: list[str] = field(default_factory=list)
    stale_paths: list[str] = field(default_factory=list)
    everything: bool = False
    hard: bool = False

    def apply(self, cache: PageCache) -> str:
        """Do it to this host's cache; what was done, for the log."""
        cache.new_generation()
        if self.everything:
            cache.remove_all() if self.hard else cache.stale_all()
            return "everything " + ("removed" if self.hard else "stale")
        removed = set(self.removed_urls) | set(cache.urls_for_paths(self.removed_paths))
        cache.remove(removed)
        marked = cache.mark_stale((set(self.stale_urls) | set(cache.urls_for_paths(self.stale_paths))) - removed)
        return f"{len(removed)} removed, {marked} stale"


def host_id(cache: PageCache) -> str:
    """This host's name in the stream: kept beside its page cache, so every process of the
    host (web workers, task worker, shells) uses the same and skips its own entries."""
    file = cache.root.with_name(cache.root.name + ".host")
    try:
        return file.read_text().strip()
    except FileNotFoundError:
        file.parent.mkdir(parents=True, exist_ok=True)
        value = f"{socket.gethostname()}-{uuid.uuid4().hex[:12]}"
        try:
            with open(file, "x") as handle:
                handle.write(value)
        except FileExistsError:
            return file.read_text().strip()
        return value


class Broadcast:
    def __init__(self, redis_url: str, prefix: str, cache: PageCache):
        import redis

        self.redis_url = redis_url
        self.client = redis.Redis.from_url(redis_url)
        self.counter, self.stream = f"{prefix}:pagecache:purge-seq", f"{prefix}:pagecache:purges"
        self.cache = cache
        self.origin = host_id(cache)
        self._append = self.client.register_script(_APPEND)

    def publish(self, message: PurgeMessage) -> int:
        """Append a purge this host applied; its sequence number."""
        return int(self._append(keys=[self.counter, self.stream],
                                args=[self.origin, json.dumps(asdict(message)), STREAM_LENGTH]))

    def follow(self, stop: threading.Event, *, block_ms: int = 1000) -> None:
        """Apply the other hosts' purges until `stop` is set; reconnect after a lost
        connection, removing every page first."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        while not stop.is_set():
            try:
                # A lost connection must reach the except below: no retries, and one
                # connection held throughout (a pool would replace a connection closed
                # while idle without a word).
                client = redis.Redis.from_url(self.redis_url, socket_timeout=block_ms / 1000 + 5,
                                              retry=Retry(NoBackoff(), 0), single_connection_client=True)
                try:
                    client.client_setname(f"dangjian-purges-{self.origin}")
                    self._follow(client, stop, block_ms)
                finally:
                    client.close()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("page cache: purge stream lost (%s); reconnecting", error)
                stop.wait(1)

    def _follow(self, client, stop: threading.Event, block_ms: int) -> None:
        newest = client.xrevrange(self.stream, count=1)
        last_id = newest[0][0] if newest else b"0-0"
        last_seq = int(newest[0][1][b"seq"]) if newest else int(client.get(self.counter) or 0)
        # Whatever happened before this point is unknown here: nothing cached may survive it.
        self.cache.new_generation()
        self.cache.remove_all()
        logger.info("page cache: following purges from sequence %d; every page removed", last_seq)
        while not stop.is_set():
            for _stream, entries in client.xread({self.stream: last_id}, block=block_ms, count=100) or []:
                for entry_id, fields in entries:
                    last_id, seq = entry_id, int(fields[b"seq"])
                    if seq != last_seq + 1:
                        logger.warning("page cache: purges %d to %d missed; every page removed", last_seq + 1, seq - 1)
                        self.cache.new_generation()
                        self.cache.remove_all()
                    last_seq = seq
                    if fields[b"origin"].decode() != self.origin:
                        PurgeMessage(**json.loads(fields[b"purge"])).apply(self.cache)


def broadcast() -> Broadcast | None:
    """The stream of this installation, or None without Redis (one host)."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    return _broadcast(settings.REDIS_URL, settings.CACHES["default"].get("KEY_PREFIX", "dangjian"),
                      str(settings.PAGE_CACHE_DIR))


@functools.cache
def _broadcast(redis_url: str, prefix: str, cache_dir: str) -> Broadcast:
    return Broadcast(redis_url, prefix, PageCache(cache_dir))


def follow_in_thread() -> threading.Event | None:
    """Start following the other hosts' purges (`dangjian serve`); set the event to stop."""
    stream = broadcast()
    if stream is None:
        return None
    stop = threading.Event()
    threading.Thread(target=stream.follow, args=(stop,), name="pagecache-purges", daemon=True).start()
    return stop

