from __future__ import annotations

import atexit
import io
import json
import logging
import os
import sys
from datetime import UTC, datetime


def log_format() -> str:
    """DANGJIAN_LOG_FORMAT, else JSON in production (REDIS_URL set) and plain lines in the
    embedded default. Plain Python: the `dangjian` command asks before the settings load."""
    return os.environ.get("DANGJIAN_LOG_FORMAT") or ("json" if os.environ.get("REDIS_URL") else "plain")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    exception with its traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if hasattr(record, "status_code"):
            entry["status"] = record.status_code
        if hasattr(record, "access"):  # an access log line's fields (core/accesslog.py)
            entry |= record.access
        return json.dumps(entry, ensure_ascii=False)


class JsonLines(io.TextIOBase):
    """A text stream that writes each line as a JSON log entry: what a command prints
    (migrate's progress, a CommandError) reaches journald as JSON like its log records.
    Lines that are JSON already (the log handler's) pass through."""

    def __init__(self, stream, level: str):
        self.stream, self.level, self.pending = stream, level, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def _emit(self, line: str) -> None:
        if not line.strip():
            return
        if not line.startswith("{"):
            record = logging.makeLogRecord({"name": "dangjian.command", "levelname": self.level, "msg": line})
            line = JsonFormatter().format(record)
        self.stream.write(line + "\n")


def json_console() -> None:
    """Everything the process prints becomes JSON lines, an uncaught exception one entry
    with its traceback (a crash at start-up included)."""
    raw_stderr = sys.stderr
    sys.stdout = JsonLines(sys.stdout, "INFO")
    sys.stderr = JsonLines(raw_stderr, "ERROR")
    for stream in (sys.stdout, sys.stderr):
        atexit.register(lambda stream=stream: stream._emit(stream.pending))  # a last line without its newline

    def crash(kind, value, traceback) -> None:
        record = logging.makeLogRecord({"name": "dangjian.command", "levelname": "CRITICAL", "msg": f"{kind.__name__}: {value}",
                                        "exc_info": (kind, value, traceback)})
        raw_stderr.write(JsonFormatter().format(record) + "\n")
        raw_stderr.flush()

    sys.excepthook = crash
