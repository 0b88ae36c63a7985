"""The production buffer: Redis, one Lua script per step (see the package docstring)."""

from __future__ import annotations

import uuid

from django.conf import settings

from dangjian.core.redis_keys import delete_prefix

from . import CAP_WINDOW, Buffer, Increments, RateLimited, Recorded, _StoredViews, current_hour, previous_minute_weight
from .batcher import Batcher
from .resp import RespConnection

# Several beacons in one call (see _Batcher). KEYS: pending, batch, flushes. ARGV: rate
# limit, dedup seconds, key prefix, views per address and article an hour, the cap's
# window, then per beacon: rate key, minute, previous minute's weight, cap key, now, page
# field, hour field, n = number of visitor keys, the n visitor keys (the first decides, the
# others are marked). Answers per beacon: counted (1, 0, or -1 over the rate limit) and
# the page's unflushed views; then the flush counter.
# A seen visitor key holds the end of its dedup window on the caller's clock, as the rate
# and cap windows do and as SqliteBuffer does, so both buffers answer alike for a given
# `now`; its TTL only frees the memory.
_RECORD = """
local limit, ttl, prefix, cap_limit, cap_window = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
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
    local seen, seen_until = prefix .. 'seen:' .. ARGV[i + 8], math.floor(now) + ttl
    local fresh = redis.call('SET', seen, seen_until, 'NX', 'EX', ttl)
    if not fresh and tonumber(redis.call('GET', seen)) <= math.floor(now) then
      fresh = redis.call('SET', seen, seen_until, 'EX', ttl)
    end
    if fresh then
      redis.call('ZREMRANGEBYSCORE', cap, '-inf', now - cap_window)
      if redis.call('ZCARD', cap) < cap_limit then
        counted = 1
        redis.call('ZADD', cap, now, ARGV[i + 8])
        redis.call('EXPIRE', cap, cap_window)
        redis.call('HINCRBY', KEYS[1], hour, 1)
        redis.call('HINCRBY', KEYS[1], page, 1)
      end
    end
    for j = i + 9, i + 7 + n do redis.call('SET', prefix .. 'seen:' .. ARGV[j], seen_until, 'EX', ttl) end
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


class RedisBuffer(Buffer):
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self._fast = RespConnection(url) if RespConnection.supports(url) else None
        self.prefix = f"{prefix}:pv:"
        self.pending, self.batch, self.batch_id, self.flushes = (
            self.prefix + name for name in ("pending", "batch", "batch-id", "flushes")
        )
        self._scripts = {name: self.client.register_script(code) for name, code in
                         (("record", _RECORD), ("peek", _PEEK), ("take", _TAKE), ("done", _DONE))}
        self._stored = _StoredViews()
        self._batcher = Batcher(self._record_many)

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
