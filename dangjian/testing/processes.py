"""Run the `dangjian` command in a child process with its own environment, as an operator does."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def dangjian(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dangjian", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without the project's own variables, plus `extra`."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("DANGJIAN_") and k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["DANGJIAN_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def _postgres_admin(database_url: str, *statements: str) -> None:
    """Run `statements` on the server of `database_url`, connected to its `postgres` database."""
    with psycopg.connect(urlunsplit(urlsplit(database_url)._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


@contextmanager
def scratch_database(database_url: str):
    """A new, empty PostgreSQL database next to the one in `database_url`, dropped afterwards."""
    name = f"dangjian_scratch_{uuid.uuid4().hex[:10]}"
    _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    finally:
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Demo sites loaded once per test run: (demo arguments, database kind) -> (a copy of the data
# directory, the PostgreSQL template database and the URL to reach its server, or None).
_demo_sites: dict[tuple, tuple[Path, str | None, str]] = {}
# Media kept outside the data directory would not be copied with it.
_NOT_COPIED = ("DANGJIAN_MEDIA_DIR", "DANGJIAN_PRIVATE_DIR", "DANGJIAN_MEDIA_STORAGE_URL")


def demo_load(*args: str, env: dict[str, str]) -> None:
    """`dangjian demo *args` into the new, empty site of `env`. The first load of each kind
    in a test run is kept, and later ones copy it: the data directory and, on PostgreSQL, the
    database (as a template), then the default site takes the host and port of the env's base
    URL, the one thing the demo stores that depends on the environment. Migrating and loading
    cost a server test more CPU than most of them spend on what they test; the command itself
    is tested by demo/tests/test_demo.py and the README walkthrough."""
    database_url = env.get("DATABASE_URL", "")
    data_dir = Path(env["DANGJIAN_DATA_DIR"])
    if any(env.get(name) for name in _NOT_COPIED):
        result = dangjian("demo", *args, env=env)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        return
    key = (args, database_url.split(":", 1)[0])
    if key not in _demo_sites:
        result = dangjian("demo", *args, env=env)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        copy = Path(tempfile.mkdtemp(prefix="dangjian-demo-"))
        shutil.copytree(data_dir, copy, dirs_exist_ok=True)
        template = None
        if database_url:
            template = f"dangjian_demo_{uuid.uuid4().hex[:10]}"
            _postgres_admin(database_url, f'CREATE DATABASE "{template}" TEMPLATE "{_database_name(database_url)}"')
        _demo_sites[key] = (copy, template, database_url)
        return
    copy, template, _server = _demo_sites[key]
    shutil.copytree(copy, data_dir, dirs_exist_ok=True)
    shutil.rmtree(data_dir / "cache", ignore_errors=True)  # Django's file cache: the site's old address
    base = urlsplit(env.get("DANGJIAN_BASE_URL", "http://127.0.0.1:8000"))
    site = (base.hostname, base.port or (443 if base.scheme == "https" else 80))
    update = "UPDATE wagtailcore_site SET hostname = {0}, port = {0} WHERE is_default_site"
    if template:
        name = _database_name(database_url)
        _postgres_admin(database_url, f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(update.format("%s"), site)
    else:
        with sqlite3.connect(data_dir / "dangjian.sqlite3") as conn:
            conn.execute(update.format("?"), site)
        conn.close()


def demo_sites_drop() -> None:
    for copy, template, server in _demo_sites.values():
        shutil.rmtree(copy, ignore_errors=True)
        if template:
            _postgres_admin(server, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    _demo_sites.clear()


def dangjian_shell(code: str, *, env: dict[str, str]) -> str:
    """Run Python `code` inside the project in a child process; return what it printed."""
    result = dangjian("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_group(process: subprocess.Popen) -> None:
    """Kill a process started with start_new_session=True and everything it started."""
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, *, context=None) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def wait_for_status(url: str, status: int, *, timeout: float, process: subprocess.Popen | None = None,
                    context=None) -> None:
    """Poll `url` until it answers `status`; fail on timeout or if `process` dies first."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if fetch(url, context=context)[0] == status:
                return
        except OSError:
            pass
        assert process is None or process.poll() is None, "the server died"
        assert time.monotonic() < deadline, f"{url} did not answer {status} within {timeout} s"
        time.sleep(0.3)


@contextmanager
def backend_env(data_dir: Path, **extra: str):
    """An environment on the backends this test run uses: SQLite in `data_dir`, or, when the
    run has DATABASE_URL and REDIS_URL, a scratch PostgreSQL database and Redis under a key
    prefix of its own (removed afterwards)."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres"):
        yield clean_env(data_dir, **extra)
        return
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    with scratch_database(database_url) as url:
        env = clean_env(data_dir, DATABASE_URL=url, **extra)
        if redis_url:
            env.update(REDIS_URL=redis_url, DANGJIAN_CACHE_PREFIX=prefix)
        try:
            yield env
        finally:
            if redis_url:
                import redis

                from dangjian.core.redis_keys import delete_prefix

                delete_prefix(redis.Redis.from_url(redis_url), f"{prefix}:")


@contextmanager
def served_site(env: dict[str, str], *, workers: int = 2, background: bool = False, log: Path | None = None):
    """`dangjian serve` on a free port, yields (base URL, process); the process group is
    killed afterwards. Without `background` no task worker runs: tests run tasks themselves.
    With `log`, the server's output goes to that file."""

    port = free_port()
    env = {**env, "DANGJIAN_SERVE_WORKER": "1" if background else "0", "DANGJIAN_BASE_URL": f"http://127.0.0.1:{port}"}
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=output, stderr=subprocess.STDOUT if log else subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_status(base + "/healthz", 200, timeout=60, process=server)
        yield base, server
    finally:
        stop_group(server)
        if log:
            output.close()
