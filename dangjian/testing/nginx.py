"""nginx for tests, with the configuration `dangjian nginx_config` prints, as production runs it."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from .processes import free_port, stop, wait_for_status

# Tests' nginx answers https with a self-signed certificate.
SELF_SIGNED = ssl.create_default_context()
SELF_SIGNED.check_hostname = False
SELF_SIGNED.verify_mode = ssl.CERT_NONE


def nginx_required() -> None:
    """Skip without nginx, unless DANGJIAN_REQUIRE_NGINX=1 (CI), where that is a failure."""
    if shutil.which("nginx") is None:
        if os.environ.get("DANGJIAN_REQUIRE_NGINX") == "1":
            pytest.fail("nginx not installed (apt-get install nginx)")
        pytest.skip("nginx not installed")


@contextmanager
def nginx_running(config: str, directory: Path):
    """nginx with this whole configuration, in the foreground; stopped afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nginx.conf").write_text(config)
    process = subprocess.Popen(["nginx", "-c", str(directory / "nginx.conf"), "-g", "daemon off;"])
    try:
        yield process
    finally:
        stop(process)


@contextmanager
def nginx_for_site(env: dict[str, str], app_port: int, directory: Path, *options: str, web_port: int | None = None):
    """nginx in front of the app on `app_port`, configured by `dangjian nginx_config --full`
    in the site's environment; yields its base URL once /healthz answers through it."""
    web_port = web_port or free_port()
    result = subprocess.run(
        [sys.executable, "-m", "dangjian", "nginx_config", "--full", "--listen", f"127.0.0.1:{web_port}",
         "--upstream", f"127.0.0.1:{app_port}", "--prefix", str(directory), "--user", "root", *options],
        env=env, capture_output=True, text=True, check=True,
    )
    tls = "--certificate" in options
    base = f"{'https' if tls else 'http'}://localhost:{web_port}"
    with nginx_running(result.stdout, directory) as process:
        wait_for_status(base + "/healthz", 200, timeout=30, process=process, context=SELF_SIGNED if tls else None)
        yield base


LOAD_BALANCER = """
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  upstream hosts {{ {servers} }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 60m;
    location / {{
      proxy_pass http://hosts;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


@contextmanager
def load_balancer(ports: list[int], directory: Path, port: int):
    """The address readers use: round robin over the hosts' nginx on `ports`."""
    servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
    with nginx_running(LOAD_BALANCER.format(directory=directory, servers=servers, port=port), directory):
        base = f"http://localhost:{port}"
        wait_for_status(base + "/healthz", 200, timeout=30)
        yield base
