"""How a private file leaves the app once its permission checks passed (Wagtail's document
serve view calls this as SENDFILE_BACKEND).

Behind the nginx site of `dangjian nginx_config`, which says so in X-Sendfile-Type (the
convention of Rails' Rack::Sendfile), the answer is an X-Accel-Redirect to nginx's internal
location for the private directory: nginx sends the file and the app's worker is free at
once. Anywhere else (`dangjian serve` alone, tests) the app streams the file itself. A client
that sets the header on a direct request to the app gets an empty answer, nothing more."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from wagtail.utils import sendfile_streaming_backend

INTERNAL_URL = "/_private/"


class AcceleratedResponse(HttpResponse):
    """An empty answer that nginx replaces with the file. Wagtail sets Content-Length to the
    file's size once the backend returns; a length the body does not have makes the server
    cut the connection, and nginx answered 502 about one time in five."""

    def __setitem__(self, header: str, value) -> None:
        if header.lower() != "content-length":
            super().__setitem__(header, value)


def sendfile(request, filename: str, **kwargs):
    root, path = Path(settings.PRIVATE_MEDIA_ROOT).resolve(), Path(filename).resolve()
    if request.headers.get("X-Sendfile-Type") == "X-Accel-Redirect" and path.is_relative_to(root):
        response = AcceleratedResponse()
        response["X-Accel-Redirect"] = quote(INTERNAL_URL + path.relative_to(root).as_posix())
        return response
    return sendfile_streaming_backend.sendfile(request, filename, **kwargs)
