"""Keyed hashes for the view counter: visitor keys that link nothing without the site's
secret, and the signed visitor cookie. No Django import beyond settings, so benchmarks can
sign cookies for a server they run."""

from __future__ import annotations

import hashlib
from functools import cache

from django.conf import settings


def digest(*parts: str, key: bytes | None = None) -> str:
    """A keyed hash (BLAKE2b's keyed mode, the site's secret key as key): the same input
    gives the same key in every worker, and nobody without the secret can recompute it."""
    message = "\x1f".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(message, key=key or _site_key(), digest_size=16).hexdigest()


@cache
def _site_key() -> bytes:
    return _key(settings.SECRET_KEY)


def _key(secret_key: str) -> bytes:
    return hashlib.blake2b(secret_key.encode(), digest_size=64, person=b"dangjian-views").digest()


def signed_visitor(visitor: str, *, secret_key: str | None = None) -> str:
    """The cookie's value: the visitor id and its keyed hash, so that an id the site did
    not issue (a forged or altered cookie) counts as no cookie. `secret_key`: that of
    another process (tests and benchmarks of a running server)."""
    return f"{visitor}.{digest('cookie', visitor, key=_key(secret_key) if secret_key else None)}"
