"""Where the site keeps its files, and who may read them.

Files that hold secrets or personal data (the database, the view buffer, the console SMS
log with live codes, backups) are created readable by their owner only, whatever the
process's umask: os.open's mode applies at creation, before anything is written.

This module is plain Python: settings and the `dangjian` command use it before Django is set up.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

PRIVATE_MODE = 0o600
# As the systemd units (UMask=0027): the service group (nginx is a member) reads, nobody else.
SERVICE_UMASK = 0o027
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """DANGJIAN_DATA_DIR, else ./var. Run from inside the package (a source checkout's
    dangjian/ folder), ./var would be a folder of the package, and a key created there could
    end up published with it: the checkout's own var/ is used instead."""
    configured = os.environ.get("DANGJIAN_DATA_DIR")
    if configured:
        return Path(configured).resolve()
    cwd = Path.cwd().resolve()
    if cwd == PACKAGE_DIR or PACKAGE_DIR in cwd.parents:
        return PACKAGE_DIR.parent / "var"
    return cwd / "var"


def service_user() -> pwd.struct_passwd | None:
    """The user the site's files belong to: DANGJIAN_USER, else the owner of the data
    directory when that is not root; None when neither names one."""
    name = os.environ.get("DANGJIAN_USER")
    if name:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise SystemExit(f"DANGJIAN_USER={name}: 没有这个系统用户（no such user）") from None
    try:
        owner = data_dir().stat().st_uid
    except FileNotFoundError:
        return None
    return pwd.getpwuid(owner) if owner != 0 else None


def service_user_become() -> None:
    """Run as the service user when root runs a command: a migrate, restore or demo run by
    an operator as root would otherwise leave root-owned files (the database, media folders,
    the page cache's generation) that the web, running as the service user, cannot open.
    DANGJIAN_USER=root keeps root."""
    if os.geteuid() != 0:
        return
    user = service_user()
    if user is None or user.pw_uid == 0:
        return
    os.initgroups(user.pw_name, user.pw_gid)
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.umask(SERVICE_UMASK)
    os.environ.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)


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
