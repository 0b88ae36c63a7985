"""One archive (tar) holding the database and the uploaded media, made while the site runs.

The database is copied first, consistently: SQLite through its online backup API (a
snapshot even while workers write), PostgreSQL with pg_dump (one transaction). Media files
follow; uploads are written before the rows that point at them, so every file the database
names is in the archive. The archive is written to a temporary name and renamed at the end,
so a crash never leaves a half archive under the real name.

Restoring replaces the database and the media with the archive's, then purges the page
cache. Stop `dangjian serve` (and the worker) while restoring.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from tqdm import tqdm

from .files import private_file_ensure
from .invalidation import purge_pages

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PGDUMP_NAME = "database.pgdump"


class BackupError(Exception):
    pass


def _libpq_env() -> dict[str, str]:
    """pg_dump/pg_restore connection settings as libpq variables: no quoting of passwords."""
    db = settings.DATABASES["default"]
    values = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
              "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db.get("NAME")}
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def _dump_database(workdir: Path, progress: bool) -> str:
    if connection.vendor == "sqlite":
        target = workdir / SQLITE_NAME
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        destination = sqlite3.connect(target)
        with tqdm(desc=_("Database"), unit=_("page"), disable=not progress) as bar:
            def step(status, remaining, total):
                bar.total = total
                bar.n = total - remaining
                bar.refresh()

            source.backup(destination, pages=256, progress=step)
        destination.close()
        source.close()
        return SQLITE_NAME
    if connection.vendor == "postgresql":
        target = workdir / PGDUMP_NAME
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"],
            capture_output=True, text=True, env=_libpq_env(),
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump: {result.stderr.strip()}")
        return PGDUMP_NAME
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def _file_trees() -> dict[str, Path]:
    """The folders of uploaded files, by their name in the archive. Media on object storage
    are not copied: the bucket keeps them (versioning, replication), and the database in the
    archive refers to them by name, so a restore finds them where they are."""
    if settings.MEDIA_STORAGE_URL:
        return {}
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def backup_create(*, path: Path, progress: bool = True) -> dict:
    """Write the archive to `path`; return its manifest."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        workdir = Path(work)
        database_file = _dump_database(workdir, progress)
        files = {name: sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
                 for name, root in _file_trees().items()}
        manifest = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"vendor": connection.vendor, "file": database_file},
            **{f"{name}_files": len(found) for name, found in files.items()},
        }
        (workdir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = workdir / "archive.tar"
        private_file_ensure(partial)  # the whole database and every upload: 0600
        with tarfile.open(partial, "w") as archive:
            archive.add(workdir / "manifest.json", arcname="manifest.json")
            archive.add(workdir / database_file, arcname=database_file)
            for name, root in _file_trees().items():
                for file in tqdm(files[name], desc=_("Media files"), unit=pgettext("progress unit", "file"), disable=not progress):
                    archive.add(file, arcname=f"{name}/{file.relative_to(root).as_posix()}")
        os.replace(partial, path)
    return manifest


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"unsafe entry in archive: {member.name}")
        yield member


def backup_restore(*, path: Path, progress: bool = True) -> dict:
    """Replace the database and media with the archive's; return its manifest."""
    path = Path(path)
    try:
        archive = tarfile.open(path, "r")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"not a dangjian backup: {error}") from error
    with archive, tempfile.TemporaryDirectory(prefix=".restore-", dir=Path(settings.MEDIA_ROOT).parent) as work:
        workdir = Path(work)
        members = list(_safe_members(archive))
        names = {m.name for m in members}
        if "manifest.json" not in names:
            raise BackupError("not a dangjian backup: manifest.json is missing")
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')}")
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(f"this backup holds a {vendor} database; the site is configured for {connection.vendor}")
        for member in tqdm(members, desc=_("Unpacking"), unit=pgettext("progress unit", "file"), disable=not progress):
            # _safe_members already refused links and paths leaving the directory.
            archive.extract(member, workdir, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))

        # The manifest names a member of this archive, nothing else: an absolute path or one
        # leaving the directory would copy any file of the server into the database.
        member = manifest["database"].get("file")
        if not isinstance(member, str) or member not in names or Path(member).name != member:
            raise BackupError(f"the manifest names a database file that is not in the archive: {member!r}")
        database_file = workdir / member
        connection.close()
        if vendor == "sqlite":
            target = Path(settings.DATABASES["default"]["NAME"])
            staged = target.with_name(target.name + ".restoring")
            staged.unlink(missing_ok=True)  # left by an interrupted restore, perhaps with another mode
            private_file_ensure(staged)
            shutil.copyfile(database_file, staged)  # into the 0600 file
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(staged, target)
        else:
            result = subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--dbname", _libpq_env()["PGDATABASE"], str(database_file)],
                capture_output=True, text=True, env=_libpq_env(),
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore: {result.stderr.strip()}")

        for name, root in _file_trees().items():
            restored = workdir / name
            old = root.with_name(root.name + ".before-restore")
            shutil.rmtree(old, ignore_errors=True)
            if root.exists():
                os.replace(root, old)
            if restored.exists():
                shutil.move(restored, root)
            else:
                root.mkdir(parents=True)
            shutil.rmtree(old, ignore_errors=True)
    purge_pages(reason="restored from backup", everything=True, hard=True)
    return manifest
