"""The full-page cache: one file per public URL, read without Django.

Layout: ``<root>/<host>/<url path>`` where a path ending in "/" stores ``index.html`` (or
``index.xml`` for feeds). nginx can serve the same files with ``try_files`` (deploy/nginx),
and the fast path (fastpath.py) serves them inside ``dangjian serve``; both read plain files,
so a hit costs no database query, no template and no Python beyond a stat and a read.

Writes happen in Django (middleware.PageCacheMiddleware), atomically (temp file + rename).
Invalidation (invalidation.py) bumps a generation number and removes the whole tree: a
render that began before the purge carries the old generation and is not stored.

This module imports nothing from Django so the fast path stays cheap to load.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

SAFE_PATH = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)?$")
SAFE_HOST = re.compile(r"^[a-z0-9.-]{1,253}$")
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


def cacheable_query(query_string: str) -> bool:
    """True when the query string is empty or holds only ignored tracking parameters."""
    return not query_string or _IGNORED_QUERY.match(query_string) is not None


# What a URL ending in "/" is stored as, by the response's content type.
INDEX_NAMES = {"text/html": "index.html", "application/rss+xml": "index.rss", "application/xml": "index.xml"}


class PageCache:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.generation_file = self.root.parent / (self.root.name + ".generation")

    # --- keys -------------------------------------------------------------
    @staticmethod
    def host_key(host: str) -> str | None:
        host = host.lower().split(":", 1)[0] if not host.startswith("[") else host.lower()
        return host if SAFE_HOST.match(host) and ".." not in host else None

    def candidates(self, host: str, path: str) -> list[Path]:
        """Files that may hold the page for host+path, most likely first; [] if uncacheable."""
        host_key = self.host_key(host)
        if host_key is None or not SAFE_PATH.match(path) or "/." in path:
            return []
        base = self.root / host_key / path.lstrip("/")
        if path.endswith("/"):
            return [base / name for name in INDEX_NAMES.values()]
        return [base]

    @staticmethod
    def content_type(file: str | os.PathLike) -> str:
        return CONTENT_TYPES.get(os.path.splitext(file)[1], "application/octet-stream")

    # --- reading ----------------------------------------------------------
    def lookup(self, host: str, path: str) -> tuple[Path, os.stat_result] | None:
        for file in self.candidates(host, path):
            try:
                return file, file.stat()
            except OSError:
                continue
        return None

    # --- writing ----------------------------------------------------------
    def generation(self) -> str:
        try:
            return self.generation_file.read_text()
        except FileNotFoundError:
            return ""

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
            if self.generation() != generation:
                os.unlink(tmp)
                return False
            os.replace(tmp, file)
        except OSError:
            # A purge moved the tree away mid-write: the page is gone with it, as it should be.
            return False
        return True

    def _new_generation(self) -> None:
        # First, so a render that started before the purge is not stored after it.
        self.root.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root.parent, prefix=".generation-")
        with os.fdopen(fd, "w") as handle:
            handle.write(uuid.uuid4().hex)
        os.replace(tmp, self.generation_file)

    def purge_paths(self, paths: list[str]) -> None:
        """Forget the pages at these URL paths, for every host."""
        self._new_generation()
        try:
            hosts = [entry.name for entry in os.scandir(self.root) if entry.is_dir()]
        except FileNotFoundError:
            return
        for host in hosts:
            for path in paths:
                for file in self.candidates(host, path):
                    try:
                        os.unlink(file)
                    except (FileNotFoundError, IsADirectoryError):
                        pass

    def purge_all(self) -> None:
        """Forget every cached page: new generation first, then move the tree away and delete it."""
        self._new_generation()
        doomed = self.root.parent / f".purged-{uuid.uuid4().hex}"
        try:
            os.replace(self.root, doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)
