from __future__ import annotations


def delete_prefix(client, prefix: str) -> None:
    """Delete every key starting with `prefix` (a test's or a reset's leftovers)."""
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
