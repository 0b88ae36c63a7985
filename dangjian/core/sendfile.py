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


def sendfile(request, filename: str, **kwargs):
    root, path = Path(settings.PRIVATE_MEDIA_ROOT).resolve(), Path(filename).resolve()
    if request.headers.get("X-Sendfile-Type") == "X-Accel-Redirect" and path.is_relative_to(root):
        response = HttpResponse()
        response["X-Accel-Redirect"] = quote(INTERNAL_URL + path.relative_to(root).as_posix())
        return response
    return sendfile_streaming_backend.sendfile(request, filename, **kwargs)
