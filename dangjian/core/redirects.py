"""Where a request may send its user next: the one check for every redirect target that
comes from the request (a ?next= parameter, a form field)."""

from __future__ import annotations

from urllib.parse import unquote

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, value: str | None, default: str = "/") -> str:
    """`value` when it is a URL on this site, else `default`. Checked as given and once
    percent-decoded: some browsers and proxies read /%5Cevil.example as /\\evil.example,
    which is another host."""
    if not value:
        return default
    allowed = {request.get_host()}
    secure = request.is_secure()
    for candidate in (value, unquote(value)):
        if "\\" in candidate or not url_has_allowed_host_and_scheme(candidate, allowed_hosts=allowed, require_https=secure):
            return default
    return value
