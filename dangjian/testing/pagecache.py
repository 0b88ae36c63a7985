"""What the page cache holds for a URL, as tests check it (the fast path reads the same
candidates itself, without a stat per lookup)."""

from __future__ import annotations

import os
from pathlib import Path

from dangjian.core.pagecache import PageCache


def _first_existing(files: list[Path]) -> tuple[Path, os.stat_result] | None:
    for file in files:
        try:
            return file, file.stat()
        except OSError:
            continue
    return None


def cached_file(cache: PageCache, host: str, path: str) -> tuple[Path, os.stat_result] | None:
    """The fresh file of a page and its stat, or None."""
    return _first_existing(cache.candidates(host, path))


def stale_copy(cache: PageCache, host: str, path: str) -> tuple[Path, os.stat_result] | None:
    """The stale copy kept for a page after a purge, and its stat, or None."""
    return _first_existing(cache.stale_candidates(host, path))
