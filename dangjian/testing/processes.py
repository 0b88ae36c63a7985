"""Run the `dangjian` command in a child process with its own environment, as an operator does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def scratch_database(database_url: str):
    """A new, empty PostgreSQL database next to the one in `database_url`, dropped afterwards."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    name = f"dangjian_scratch_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
