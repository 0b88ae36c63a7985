"""WSGI layer in front of Django: answer anonymous GET/HEAD of cached public pages from the
page cache before Django's middleware stack runs; pass everything else to Django.

A hit does one stat(): each worker keeps the bytes and ready-made headers of the pages it
served and reuses them while the file's inode, size and mtime are unchanged (a bare WSGI
app answers an order of magnitude more requests than Django's request path can).

A page a purge marked stale (pagecache.py) is served as it is while it is younger than the
cache's ``stale_seconds``, and the first request to see it starts one render of the URL
(single flight: the URL's lock file, held with flock, so one render per host whatever the
number of worker processes). Past that age, or where only the lock file is left (a hard
purge), a request renders the page itself if it gets the lock, or waits for the render that
holds it and serves what that render stored.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate, parsedate_to_datetime

from .pagecache import PageCache, cacheable_query

logger = logging.getLogger(__name__)

MEMO_LIMIT = 5000  # pages a worker keeps in memory (~30 KB each)
WAIT_SECONDS = 10.0  # longest wait for another request's render before rendering anyway
WAIT_STEP = 0.005
# Request headers a refresh must not copy: it renders what an anonymous reader gets.
_PRIVATE_KEYS = {"HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "CONTENT_LENGTH", "CONTENT_TYPE"}


def _not_modified(environ, etag: str, mtime: float) -> bool:
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return if_none_match.strip() == "*" or etag in [tag.strip() for tag in if_none_match.split(",")]
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        try:
            return int(mtime) <= parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


NO_LOCK = -1  # the lock file cannot be opened (e.g. its folder belongs to another user)
_warned: set[str] = set()


def _try_lock(file: str) -> int | None:
    """An fd holding the URL's render lock, None when another render holds it, or NO_LOCK
    when locking is impossible: pages are then rendered without single flight, not refused."""
    try:
        try:
            # Read-only is enough for flock: a lock file another user created still locks.
            fd = os.open(file, os.O_RDONLY | os.O_CREAT, 0o644)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(file), exist_ok=True)
            fd = os.open(file, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError as error:
        if "lock" not in _warned:
            _warned.add("lock")
            logger.warning("page cache: renders are not single-flight: %s", error)
        return NO_LOCK
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlock(fd: int) -> None:
    if fd != NO_LOCK:
        os.close(fd)  # closing the only descriptor releases the flock


class FastPath:
    def __init__(self, app, cache: PageCache, *, session_cookie: str = "sessionid", headers=(), secure_headers=(),
                 ssl_redirect: bool = False, proxy_ssl_header: tuple[str, str] | None = None, background: bool = True):
        self.app = app
        self.cache = cache
        # A reader with a session may see something personal: Django answers them.
        self.session_marker = f"{session_cookie}="
        self.extra_headers = list(headers)  # the security headers Django's middleware would add
        self.secure_headers = list(secure_headers)  # those it adds to https answers only (HSTS)
        # Django answers plain-http requests it would redirect, so the redirect happens.
        self.ssl_redirect = ssl_redirect
        self.proxy_ssl_header = proxy_ssl_header
        # False renders stale pages in the request that finds them (tests run in-process,
        # inside a transaction another thread could not see).
        self.background = background
        self._files: dict[tuple[str, str], list[str]] = {}
        self._memo: dict[str, tuple] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _is_secure(self, environ) -> bool:
        if self.proxy_ssl_header:
            header, value = self.proxy_ssl_header
            return environ.get(header, "").split(",", 1)[0].strip() == value
        return environ.get("wsgi.url_scheme") == "https"

    def _candidates(self, host: str, path: str, stale: bool = False) -> list[str]:
        key = (host, path, stale)
        files = self._files.get(key)
        if files is None:
            if len(self._files) > MEMO_LIMIT:
                self._files.clear()
            found = self.cache.stale_candidates(host, path) if stale else self.cache.candidates(host, path)
            files = self._files[key] = [str(f) for f in found]
        return files

    def _entry(self, host: str, path: str, *, stale: bool = False):
        for file in self._candidates(host, path, stale):
            try:
                stat = os.stat(file)
            except OSError:
                continue
            version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            entry = self._memo.get(file)
            if entry is None or entry[0] != version:
                try:
                    with open(file, "rb") as handle:
                        body = handle.read()
                except OSError:  # purged between the stat and the read
                    return None
                etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
                common = [
                    ("ETag", etag),
                    ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)),
                    ("Cache-Control", "no-cache"),
                    ("X-Page-Cache", "STALE" if stale else "HIT"),
                    *self.extra_headers,
                ]
                full = [("Content-Type", self.cache.content_type(file)), ("Content-Length", str(len(body))), *common]
                if len(self._memo) > MEMO_LIMIT:
                    self._memo.clear()
                entry = self._memo[file] = (version, body, full, common, etag, stat.st_mtime)
            return entry
        return None

    def _answer(self, environ, start_response, entry, method: str, secure: bool):
        _version, body, full, common, etag, mtime = entry
        if secure and self.secure_headers:
            full, common = full + self.secure_headers, common + self.secure_headers
        if ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ) and _not_modified(environ, etag, mtime):
            start_response("304 Not Modified", common)
            return [b""]
        start_response("200 OK", full)
        return [b"" if method == "HEAD" else body]

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if (
            (method == "GET" or method == "HEAD")
            and cacheable_query(environ.get("QUERY_STRING", ""))
            and self.session_marker not in environ.get("HTTP_COOKIE", "")
        ):
            secure = self._is_secure(environ)
            if self.ssl_redirect and not secure:
                return self.app(environ, start_response)
            host, path = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""), environ.get("PATH_INFO", "")
            entry = self._entry(host, path)
            if entry is not None:
                return self._answer(environ, start_response, entry, method, secure)
            return self._miss(environ, start_response, host, path, method, secure)
        return self.app(environ, start_response)

    def _miss(self, environ, start_response, host: str, path: str, method: str, secure: bool):
        lock_file = self.cache.lock_file(host, path)
        if lock_file is None:
            return self.app(environ, start_response)
        stale = self._entry(host, path, stale=True)
        if stale is not None and time.time() - self.cache.stale_since(stale[5]) < self.cache.stale_seconds:
            fd = _try_lock(str(lock_file))
            if fd is None:
                return self._answer(environ, start_response, stale, method, secure)
            if self._entry(host, path) is not None:  # refreshed since this request looked
                _unlock(fd)
                return self._answer(environ, start_response, self._entry(host, path), method, secure)
            if self.background:
                self._refresh_later(environ, fd)
                return self._answer(environ, start_response, stale, method, secure)
            return self._render_holding(fd, environ, start_response)
        if stale is None and not lock_file.exists():
            return self.app(environ, start_response)  # never stored here: nothing to wait for
        fd = _try_lock(str(lock_file))
        if fd is not None:
            return self._render_holding(fd, environ, start_response)
        deadline = time.monotonic() + WAIT_SECONDS
        while (fd := _try_lock(str(lock_file))) is None and time.monotonic() < deadline:
            time.sleep(WAIT_STEP)
        if fd is not None:
            _unlock(fd)
        entry = self._entry(host, path)
        if entry is not None:
            return self._answer(environ, start_response, entry, method, secure)
        return self.app(environ, start_response)

    def _render_holding(self, fd: int, environ, start_response):
        try:
            # A render that finished between this request's look-up and its lock stored it.
            host, path = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""), environ.get("PATH_INFO", "")
            entry = self._entry(host, path)
            if entry is not None:
                return self._answer(environ, start_response, entry, environ["REQUEST_METHOD"], self._is_secure(environ))
            return self.app(environ, start_response)  # Django renders (and stores) before returning
        finally:
            _unlock(fd)

    def _refresh_later(self, environ, fd: int) -> None:
        refresh = {
            key: value for key, value in environ.items()
            if isinstance(value, str) and not key.startswith("wsgi.") and key not in _PRIVATE_KEYS
        }
        refresh.update({
            "REQUEST_METHOD": "GET", "QUERY_STRING": "", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": environ.get("wsgi.url_scheme", "http"), "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        })
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pagecache-refresh")
        try:
            self._pool.submit(self._refresh, refresh, fd)
        except RuntimeError:  # the interpreter is shutting down
            _unlock(fd)

    def _refresh(self, environ, fd: int) -> None:
        try:
            result = self.app(environ, lambda status, headers, exc_info=None: None)
            try:
                for _chunk in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # Django's request_finished: closes this thread's database connection
        except Exception:
            logger.exception("refreshing %s failed", environ.get("PATH_INFO"))
        finally:
            _unlock(fd)
