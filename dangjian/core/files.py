"""Files that hold secrets or personal data (the database, the view buffer, the console SMS
log with live codes, backups) are created readable by their owner only, whatever the
process's umask: os.open's mode applies at creation, before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def private_file_ensure(path: Path | str) -> None:
    """Create `path` empty with mode 0600 unless it exists (an empty file is also an empty
    SQLite database; SQLite gives its -wal and -shm files the database file's mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    except FileExistsError:
        pass


def private_append(path: Path | str):
    """Open `path` for appending text, creating it with mode 0600."""
    return open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_MODE), "a", encoding="utf-8")
