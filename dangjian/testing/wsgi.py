"""Requests through the same WSGI stack `dangjian serve` runs, inside the test process."""

from __future__ import annotations

import io

from django.core.signals import request_finished, request_started
from django.db import close_old_connections


def wsgi_request(path: str, *, method: str = "GET", query: str = "", remote_addr: str = "127.0.0.1",
                 **headers: str) -> tuple[str, dict[str, str], bytes]:
    """(status line, headers, body) of `path` through the stack of dangjian.wsgi.application,
    built for the current settings: the beacon and the page-cache fast path, then Django.
    A stale page is refreshed in the request that finds it, not in a thread that could not
    see the test's transaction. Keyword headers: user_agent="…" → User-Agent."""
    from django.core.handlers.wsgi import WSGIHandler

    from dangjian.wsgi import with_beacon, with_fast_path

    application = with_beacon(with_fast_path(WSGIHandler(), background=False))

    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": remote_addr,
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(response_headers)

    # As Django's test client does: keep the test's transaction open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured["status"], captured["headers"], body
