"""One log line per request answered by `dangjian serve`, when DANGJIAN_ACCESS_LOG=1:
method, path, status, bytes, duration and the client's address as DANGJIAN_CLIENT_IP_HEADER
resolves it (granian's own access log knows only the socket's peer: behind nginx, nginx).
Through the logging configuration, so one JSON object per line in JSON mode."""

from __future__ import annotations

import logging
import time

from .clientip import client_ip

logger = logging.getLogger("dangjian.access")


class AccessLog:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer = {"status": 0}

        def recording_start_response(status, headers, exc_info=None):
            answer["status"] = int(status[:3])
            return start_response(status, headers, exc_info)

        return _Logged(self.app(environ, recording_start_response), environ, answer, started)


class _Logged:
    """The response body, counted as the server sends it; the line is written when the
    server closes it (after the last byte, or when the client went away)."""

    def __init__(self, body, environ, answer: dict, started: float):
        self.body, self.environ, self.answer, self.started = body, environ, answer, started
        self.sent = 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            environ = self.environ
            path = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
            fields = {"method": environ.get("REQUEST_METHOD", ""), "path": path, "status": self.answer["status"], "bytes": self.sent,
                      "duration_ms": round((time.perf_counter() - self.started) * 1000, 1), "client": client_ip(environ)}
            logger.info("%(client)s %(method)s %(path)s %(status)s %(bytes)s %(duration_ms)sms", fields, extra={"access": fields})
