"""gzip for what `dangjian serve` answers alone: pages (cached ones included), CSS, JS, feeds,
sitemaps and JSON. Most readers are on phones, where a 40 KB page is 8 KB compressed.

nginx compresses in production (its configuration asks the app for uncompressed answers);
this is for the embedded default, where nothing stands in front of the app.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict

COMPRESSIBLE = {
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json", "application/xml",
    "text/xml", "application/rss+xml", "application/atom+xml", "image/svg+xml", "text/plain",
}
MIN_BYTES = 1024  # below one packet compression saves nothing
MAX_BYTES = 4 * 1024 * 1024  # larger answers (downloads, exports) go as they are
LEVEL = 5
MEMO_LIMIT = 512


def accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding allows gzip (not refused with q=0)."""
    for part in header.split(","):
        name, _semicolon, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            quality = params.strip().lower()
            return not (quality.startswith("q=") and quality[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


class Compression:
    def __init__(self, app):
        self.app = app
        # Cached pages and static files come with an ETag: each is compressed once per process.
        self._memo: OrderedDict[tuple, bytes] = OrderedDict()

    def __call__(self, environ, start_response):
        if not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            return self.app(environ, start_response)
        # A weak ETag names the compressed body: the app below compares its own strong one.
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            environ["HTTP_IF_NONE_MATCH"] = ", ".join(tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, capture)
        headers = captured["headers"]
        values = {name.lower(): value for name, value in headers}
        content_type = values.get("content-type", "").split(";")[0].strip().lower()
        length = values.get("content-length")
        if (
            content_type not in COMPRESSIBLE
            or "content-encoding" in values
            or not captured["status"].startswith("200")
            or environ.get("REQUEST_METHOD") == "HEAD"
            or length is None
            or not (MIN_BYTES <= int(length) <= MAX_BYTES)
            or captured.get("written")
        ):
            write = start_response(captured["status"], self._vary(headers, values, content_type), captured["exc_info"])
            for data in captured.get("written", []):
                write(data)
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        etag = values.get("etag")
        key = (environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""), etag) if etag else None
        compressed = self._compress(body, key)
        headers = [(name, value) for name, value in headers if name.lower() not in ("content-length", "etag")]
        headers = self._vary(headers, values, content_type) + [("Content-Encoding", "gzip"), ("Content-Length", str(len(compressed)))]
        if etag:
            headers.append(("ETag", etag if etag.startswith("W/") else "W/" + etag))
        start_response(captured["status"], headers, captured["exc_info"])
        return [compressed]

    @staticmethod
    def _vary(headers: list[tuple[str, str]], values: dict, content_type: str) -> list[tuple[str, str]]:
        """`headers` with Accept-Encoding in its one Vary header: a second Vary header is read
        by many clients and caches as the only one."""
        vary = values.get("vary", "")
        if content_type not in COMPRESSIBLE or "accept-encoding" in vary.lower():
            return headers
        merged = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
        return [(name, value) for name, value in headers if name.lower() != "vary"] + [("Vary", merged)]

    def _compress(self, body: bytes, key: tuple | None) -> bytes:
        if key is None:
            return gzip.compress(body, compresslevel=LEVEL, mtime=0)
        compressed = self._memo.get(key)
        if compressed is None:
            compressed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
            self._memo[key] = compressed
            if len(self._memo) > MEMO_LIMIT:
                self._memo.popitem(last=False)
        return compressed
