#!/usr/bin/env python3
"""Set up and run dangjian from a fresh clone with nothing but Python 3.11+.

    python3 dev.py demo   # create .venv from the lock file, load the demo, serve on :8000
    python3 dev.py test   # create .venv from the lock file, run the whole test suite

`test` runs the suite on the embedded default (SQLite, no Redis) and, when PostgreSQL and
Redis answer on their default local ports (or DATABASE_URL and REDIS_URL are set), a second
time on PostgreSQL + Redis, side by side: what production uses, as CI runs it.

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DANGJIAN_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def ensure_env() -> None:
    """Build .venv from requirements.lock, again only when the lock or pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit("dangjian needs Python 3.11 or newer; this is " + sys.version.split()[0])
    stamp_value = hashlib.sha256(
        LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    stamp = VENV / ".dangjian-lock"
    if stamp.exists() and stamp.read_text() == stamp_value and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ROOT)
    stamp.write_text(stamp_value)


LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/dangjian_test_{pid}"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"
# Variables that choose the services: a pass gets exactly its own.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DANGJIAN_REQUIRE_WALKTHROUGH")


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def postgres_database(url: str) -> bool:
    """Create the database of `url` (the tests' scratch databases are made from it)."""
    name = url.rsplit("/", 1)[1]
    code = ("import psycopg, sys; c = psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', autocommit=True); "
            "c.execute('DROP DATABASE IF EXISTS ' + sys.argv[2]); c.execute('CREATE DATABASE ' + sys.argv[2])")
    return subprocess.run([str(PYTHON), "-c", code, url, name], capture_output=True).returncode == 0


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    code = ("import psycopg, sys; c = psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', autocommit=True); "
            "c.execute('DROP DATABASE IF EXISTS ' + sys.argv[2] + ' WITH (FORCE)')")
    subprocess.run([str(PYTHON), "-c", code, url, name], capture_output=True)


def test(rest: list[str]) -> int:
    pytest = [str(PYTHON), "-m", "pytest", *rest]
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if database_url and redis_url:
        own_database = False
    elif not database_url and not redis_url and answers(5432) and answers(6379):
        database_url, redis_url = LOCAL_POSTGRES.format(pid=os.getpid()), LOCAL_REDIS
        own_database = postgres_database(database_url)
        if not own_database:
            database_url = None
    else:
        database_url = None
    if database_url is None:
        if os.environ.get("DANGJIAN_REQUIRE_POSTGRES") == "1":
            print("PostgreSQL + Redis are required (DANGJIAN_REQUIRE_POSTGRES=1) and do not answer on 127.0.0.1", flush=True)
            return 1
        status = subprocess.call(pytest, cwd=ROOT, env=base)
        print("== tested on SQLite only: start PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) "
              "to run the PostgreSQL + Redis pass as well", flush=True)
        return status
    # The two passes share nothing (each test takes free ports, its own data directory,
    # scratch databases and Redis key prefixes) and wait much on servers and the browser:
    # side by side they take about as long as the slower one.
    passes = [("SQLite (embedded default)", base),
              ("PostgreSQL + Redis", base | {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                                              **{k: v for k, v in os.environ.items() if k == "DANGJIAN_REQUIRE_WALKTHROUGH"}})]
    statuses = []
    with tempfile.TemporaryDirectory() as logs:
        running = []
        for n, (name, env) in enumerate(passes):
            log = open(Path(logs) / str(n), "w+")
            running.append((name, log, subprocess.Popen(pytest, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)))
        for name, log, process in running:
            status = process.wait()
            statuses.append(status)
            log.seek(0)
            print(f"== tests on {name}: exit {status}", flush=True)
            sys.stdout.write(log.read())
            log.close()
    if own_database:
        drop_postgres_database(database_url)
    for (name, _env), status in zip(passes, statuses, strict=True):
        print(f"== {name}: {'passed' if status == 0 else f'FAILED (exit {status})'}", flush=True)
    return 0 if all(status == 0 for status in statuses) else 1


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return 0
    if command == "test":
        return test(rest)
    run(BIN / "dangjian", "demo")
    os.execv(BIN / "dangjian", [str(BIN / "dangjian"), "serve", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
