"""Helpers shared by the benchmarks: ports, wrk, a demo site served by `dangjian serve`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, seconds: int, connections: int, *, script: str | None = None) -> dict[str, float]:
    """wrk's figures for `url`; `script` is a Lua file that picks each request's path."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *(["-s", script] if script else []), url],
        capture_output=True, text=True, check=True,
    ).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50%"), "p99": ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def run_dangjian(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dangjian", *args], env=env, check=True, **kwargs)


def shell(code: str, env: dict[str, str]) -> str:
    return run_dangjian("shell", "--no-imports", "-c", code, env=env, capture_output=True, text=True).stdout.strip()


@contextmanager
def demo_site(articles: int, *, workers: int = 2, log: Path | None = None, **extra_env: str):
    """A fresh data directory with the demo loaded and `dangjian serve` running on it; with
    `log`, the server logs at INFO (one line per page it caches) into that file."""
    data_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-"))
    port = free_port()
    env = dict(os.environ, DANGJIAN_DATA_DIR=str(data_dir), DANGJIAN_LOG_LEVEL="INFO" if log else "WARNING",
               DANGJIAN_LOG_FORMAT="plain", DANGJIAN_BASE_URL=f"http://127.0.0.1:{port}", **extra_env)
    print(f"-- loading {articles} demo articles into {data_dir}", flush=True)
    run_dangjian("demo", "--articles", str(articles), "--cities", "0", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the server's whole life)
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--workers", str(workers), "--port", str(port)],
        env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        yield base, env, server, data_dir
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
