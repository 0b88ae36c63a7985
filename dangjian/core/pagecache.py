"""The full-page cache: one file per public URL, read without Django.

Layout, all beside each other so that renames stay on one file system:

- ``<root>/<host>/<url path>``: fresh pages. A path ending in "/" stores ``index.html`` (or
  ``index.rss``/``index.xml`` for feeds). nginx serves these with ``try_files``
  (deploy/nginx) and the fast path (fastpath.py) inside ``dangjian serve``; a hit costs a
  stat and a read, no database query and no template.
- ``<root>.stale/<host>/<url path>``: pages a purge marked stale, their mtime set to the
  purge (or the tree's ``.purged`` marker to it, when every page was). nginx never sees them: it asks the app, whose fast path serves the stale copy
  for up to ``stale_seconds`` while one render replaces it.
- ``<root>.locks/<hash of host+path>``: one lock file per URL ever stored. Its flock makes
  renders of a URL single-flight across the worker processes of a host; its existence
  says the URL is cacheable, so requests for it wait for that render instead of starting
  their own.
- ``<root>.generation``: changes at every purge. A render that began before a purge holds
  the old value and is not stored (``store`` checks it under a shared lock that the purge
  takes exclusively, so no check can pass just before a purge and write after it).
- ``<root>.version``: the code version that wrote the pages (``sync_version``).

Writes happen in Django (middleware.PageCacheMiddleware), atomically (temp file + rename).
What a change purges is decided in invalidation.py; this module only moves files.

This module imports nothing from Django so the fast path stays cheap to load.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)
_warned: set[str] = set()  # each problem logged once per process

SAFE_PATH = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)?$")
# A port is part of the key: robots.txt and feeds built for example.cn:6666 name that port.
SAFE_HOST = re.compile(r"^[a-z0-9.-]{1,253}(?::[0-9]{1,5})?$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
# Parameters chat apps and trackers append to shared links (WeChat adds from= and
# isappinstalled=). No page reads them, so a URL with only these is the same page; any
# other parameter (e.g. page=2) means the request goes to Django and is not stored.
IGNORED_QUERY_KEYS = ("from", "isappinstalled", "scene", "spm", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_IGNORED_QUERY = re.compile(r"^(?:(?:%s)=[A-Za-z0-9_.%%-]*(?:&|$))+$" % "|".join(IGNORED_QUERY_KEYS))
DEFAULT_STALE_SECONDS = 30
STALE_MARKER = ".purged"  # in the stale tree: when every page was marked stale


def cacheable_query(query_string: str) -> bool:
    """True when the query string is empty or holds only ignored tracking parameters."""
    return not query_string or _IGNORED_QUERY.match(query_string) is not None


# What a URL ending in "/" is stored as, by the response's content type.
INDEX_NAMES = {"text/html": "index.html", "application/rss+xml": "index.rss", "application/xml": "index.xml"}


def _unlink(file: Path) -> None:
    try:
        os.unlink(file)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass


class PageCache:
    def __init__(self, root: str | os.PathLike, *, stale_seconds: float = DEFAULT_STALE_SECONDS):
        self.root = Path(root)
        self.stale_root = self.root.with_name(self.root.name + ".stale")
        self.lock_root = self.root.with_name(self.root.name + ".locks")
        self.generation_file = self.root.with_name(self.root.name + ".generation")
        self.version_file = self.root.with_name(self.root.name + ".version")
        self.stale_seconds = stale_seconds

    # --- keys -------------------------------------------------------------
    @staticmethod
    def host_key(host: str) -> str | None:
        host = host.lower()
        return host if SAFE_HOST.match(host) and ".." not in host else None

    def url_key(self, host: str, path: str) -> str | None:
        """``host/path`` as the dependency index records it; None if uncacheable."""
        host_key = self.host_key(host)
        if host_key is None or not SAFE_PATH.match(path) or "/." in path:
            return None
        return host_key + path

    def _files(self, root: Path, url: str) -> list[Path]:
        host, _, path = url.partition("/")
        base = root / host / path
        if url.endswith("/"):
            return [base / name for name in INDEX_NAMES.values()]
        return [base]

    def candidates(self, host: str, path: str) -> list[Path]:
        """Files that may hold the fresh page for host+path, most likely first; [] if uncacheable."""
        url = self.url_key(host, path)
        return self._files(self.root, url) if url else []

    def stale_candidates(self, host: str, path: str) -> list[Path]:
        url = self.url_key(host, path)
        return self._files(self.stale_root, url) if url else []

    def lock_file(self, host: str, path: str) -> Path | None:
        url = self.url_key(host, path)
        return self.lock_root / hashlib.sha1(url.encode()).hexdigest() if url else None

    @staticmethod
    def content_type(file: str | os.PathLike) -> str:
        return CONTENT_TYPES.get(os.path.splitext(file)[1], "application/octet-stream")

    # --- writing ----------------------------------------------------------
    def generation(self) -> str | None:
        """The current generation; None when the file cannot be read (written by another
        user with a mode this one cannot read): nothing is then stored or memoized, since
        a purge could not be seen, and pages are rendered as if uncached."""
        try:
            return self.generation_file.read_text()
        except FileNotFoundError:
            return ""
        except OSError as error:
            if "generation" not in _warned:
                _warned.add("generation")
                logger.warning("page cache off: %s cannot be read (%s); fix its owner or mode", self.generation_file, error)
            return None

    def _generation_lock(self, operation: int):
        # Read-only is enough for flock, so a lock file another user created still locks.
        fd = os.open(self.root.with_name(self.root.name + ".generation.lock"), os.O_RDONLY | os.O_CREAT, 0o644)
        fcntl.flock(fd, operation)
        return fd

    def store(self, host: str, path: str, body: bytes, content_type: str, generation: str) -> bool:
        """Store a page; refuse when its render started before the latest purge."""
        files = self.candidates(host, path)
        if not files:
            return False
        if path.endswith("/"):
            name = INDEX_NAMES.get(content_type.split(";")[0].strip())
            if name is None:
                return False
            file = files[0].with_name(name)
        else:
            file = files[0]
            if file.suffix not in CONTENT_TYPES:
                return False
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.chmod(tmp, 0o644)  # nginx runs as another user
            lock = self._generation_lock(fcntl.LOCK_SH)
            try:
                if generation is None or self.generation() != generation:
                    os.unlink(tmp)
                    return False
                os.replace(tmp, file)
            finally:
                os.close(lock)
            for stale in self.stale_candidates(host, path):
                _unlink(stale)
            self._touch_lock_file(host, path)
        except OSError:
            # A purge moved the tree away mid-write: the page is gone with it, as it should be.
            return False
        return True

    def _touch_lock_file(self, host: str, path: str) -> None:
        """Say the URL is cacheable (fastpath.py); without it readers only lose single flight."""
        lock = self.lock_file(host, path)
        try:
            if not lock.exists():
                lock.parent.mkdir(parents=True, exist_ok=True)
                lock.touch()
        except OSError:
            pass

    def new_generation(self) -> None:
        """First step of every purge, so a render that started before it is not stored after it."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root.parent, prefix=".generation-")
        with os.fdopen(fd, "w") as handle:
            handle.write(uuid.uuid4().hex)
        os.chmod(tmp, 0o644)  # every process reads it, whichever user wrote it (no secret in it)
        lock = self._generation_lock(fcntl.LOCK_EX)
        try:
            os.replace(tmp, self.generation_file)
        finally:
            os.close(lock)

    def hosts(self) -> list[str]:
        found = set()
        for root in (self.root, self.stale_root):
            try:
                found.update(entry.name for entry in os.scandir(root) if entry.is_dir())
            except FileNotFoundError:
                pass
        return sorted(found)

    def urls_for_paths(self, paths: Iterable[str]) -> list[str]:
        """The URL keys of these paths on every host that has pages."""
        hosts = self.hosts()
        return [f"{host}{path}" for path in paths for host in hosts if self.url_key(host, path)]

    def remove(self, urls: Iterable[str]) -> None:
        """Forget these pages at once, fresh and stale copies alike (hard purge)."""
        for url in urls:
            for root in (self.root, self.stale_root):
                for file in self._files(root, url):
                    _unlink(file)

    def mark_stale(self, urls: Iterable[str], *, now: float | None = None) -> int:
        """Move these pages to the stale tree, dated `now`; the number moved."""
        now = time.time() if now is None else now
        moved = 0
        for url in urls:
            for file in self._files(self.root, url):
                target = self.stale_root / file.relative_to(self.root)
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(file, target)
                    os.utime(target, (now, now))
                    moved += 1
                except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    continue
        return moved

    def stale_all(self) -> None:
        """Mark every fresh page stale: the tree becomes the stale tree in one rename, dated by
        a marker file it carries (dating each file would leave them looking expired for as
        long as that takes). Stale copies from earlier purges are dropped; their URLs render
        on the next request."""
        try:
            (self.root / STALE_MARKER).touch()
        except FileNotFoundError:
            return  # nothing cached
        doomed = []
        for _attempt in range(3):  # a concurrent targeted purge may recreate the stale tree
            doomed.append(self.root.with_name(f".purged-{uuid.uuid4().hex}"))
            try:
                os.replace(self.stale_root, doomed[-1])
            except FileNotFoundError:
                pass
            try:
                os.replace(self.root, self.stale_root)
            except FileNotFoundError:
                break
            except OSError:  # the stale tree is back and not empty
                continue
            break
        else:
            self.remove_all()
        for tree in doomed:
            shutil.rmtree(tree, ignore_errors=True)

    def stale_since(self, mtime: float) -> float:
        """When a stale copy with this mtime became stale: marked alone (its mtime) or with
        every page (the stale tree's marker)."""
        try:
            return max(mtime, os.stat(self.stale_root / STALE_MARKER).st_mtime)
        except OSError:
            return mtime

    def remove_all(self) -> None:
        """Forget every page, fresh and stale (hard purge)."""
        for root in (self.root, self.stale_root):
            doomed = self.root.with_name(f".purged-{uuid.uuid4().hex}")
            try:
                os.replace(root, doomed)
            except FileNotFoundError:
                continue
            shutil.rmtree(doomed, ignore_errors=True)

    def sync_version(self, version: str) -> bool:
        """Forget every page when they were written by other code (an upgrade changes the
        templates); True when it did."""
        try:
            if self.version_file.read_text() == version:
                return False
        except FileNotFoundError:
            pass
        self.new_generation()
        self.remove_all()
        fd, tmp = tempfile.mkstemp(dir=self.root.parent, prefix=".version-")
        with os.fdopen(fd, "w") as handle:
            handle.write(version)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.version_file)
        return True
