from __future__ import annotations

import hashlib
import logging
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import DatabaseError

from . import dependencies
from .pagecache import PageCache, cacheable_query

logger = logging.getLogger(__name__)
CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/xml", "text/xml", "text/plain")


def page_cache() -> PageCache:
    return PageCache(settings.PAGE_CACHE_DIR, stale_seconds=settings.PAGE_CACHE_STALE_SECONDS)


class HealthMiddleware:
    """The first middleware: /healthz and /readyz are answered before anything reads the Host
    header (Django refuses hosts outside ALLOWED_HOSTS with a 400 and an ERROR traceback),
    so a probe to 127.0.0.1:PORT or under any name gets its answer."""

    def __init__(self, get_response):
        from .views import HEALTH_VIEWS

        self.get_response = get_response
        self.views = HEALTH_VIEWS

    def __call__(self, request):
        view = self.views.get(request.path_info)
        return view(request) if view is not None else self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware: the policy of settings.CONTENT_SECURITY_POLICY is enforced on
    the public site and, on the admin (excluded there), sent report-only, so that what
    Wagtail's admin would need shows up in the browser's console without breaking it."""

    def process_response(self, request, response):
        if not request.path_info.startswith(settings.ADMIN_PATH_PREFIXES):
            response._csp_exempt_ro = True  # what django-csp's csp_exempt(REPORT_ONLY=True) sets
        return super().process_response(request, response)


def security_headers() -> list[tuple[str, str]]:
    """The headers Django's SecurityMiddleware, XFrameOptionsMiddleware and the CSP
    middleware add to every public answer: cached pages (fast path, nginx) carry them too."""
    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", settings.X_FRAME_OPTIONS),
               ("Content-Security-Policy", build_policy())]
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers


def strict_transport_security() -> str:
    """The HSTS header Django's SecurityMiddleware sends on https answers ("" for none)."""
    if not settings.SECURE_HSTS_SECONDS:
        return ""
    hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
    hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
    hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
    return hsts


# What a page's HTML is made from besides the data: our code, templates, static files and
# translations, and the frameworks that render them.
_CODE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".css", ".js", ".svg", ".mo", ".json"}


def code_version() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in ("dangjian", "django", "wagtail"):
        digest.update(f"{name}={version(name)};".encode())
    for file in sorted(package.rglob("*")):
        relative = file.relative_to(package)
        if file.suffix in _CODE_SUFFIXES and not {"tests", "__pycache__", "var"} & set(relative.parts) and file.is_file():
            digest.update(str(relative).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def page_cache_sync_version() -> bool:
    """Forget every cached page written by other code (after an upgrade); True if it did."""
    purged = page_cache().sync_version(code_version())
    if purged:
        logger.info("page cache emptied: written by another version of the code")
    return purged


def _site_port(host: str) -> bool:
    """True unless the Host names a port the site is not served on: the port is part of the
    cache key, and 65,535 copies of every page would fill the disk."""
    _name, colon, port = host.rpartition(":")
    if not colon:
        return True
    from wagtail.models import Site

    root_urls = [settings.BASE_URL, *(root_url for _id, _path, root_url, _language in Site.get_site_root_paths())]
    return port in {str(urlsplit(url).port) for url in root_urls if urlsplit(url).port}


class PageCacheMiddleware:
    """Store what an anonymous reader got, when it is the same for every anonymous reader,
    with the dependency keys its render noted (core/dependencies.py).

    Never stored: responses to logged-in users or requests with a session, query strings
    other than tracking parameters (pagecache.IGNORED_QUERY_KEYS),
    previews, anything but 200, responses that set a cookie or used a CSRF token (forms),
    private/no-store responses, admin/documents/media/static URLs.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.cache = page_cache()

    def __call__(self, request):
        if not self._candidate(request):
            return self.get_response(request)
        generation = self.cache.generation()
        token = dependencies.start_collecting()
        try:
            response = self.get_response(request)
        finally:
            keys = dependencies.stop_collecting(token)
        if self._cacheable(request, response) and self._store(request, response, keys, generation):
            response["X-Page-Cache"] = "MISS"
        return response

    def _store(self, request, response, keys: set[str], generation: str | None) -> bool:
        if generation is None:  # the generation file cannot be read (PageCache.generation)
            return False
        host, path = request.get_host(), request.path
        url = self.cache.url_key(host, path)
        if url is None or len(url) > dependencies.URL_MAX_LENGTH or not _site_port(host):
            return False
        try:
            # Recorded before the file is written: a purge that runs meanwhile either finds
            # these keys or bumps the generation before the store checks it.
            dependencies.dependencies_record(url=url, keys=keys)
        except DatabaseError:
            logger.warning("page %s not cached: its dependencies could not be recorded", url, exc_info=True)
            return False
        stored = self.cache.store(host, path, response.content, response["Content-Type"], generation)
        if stored:
            logger.info("page cached: %s (%d keys)", url, len(keys))
        return stored

    @staticmethod
    def _candidate(request) -> bool:
        return (
            settings.PAGE_CACHE_ENABLED
            and request.method == "GET"
            and cacheable_query(request.META.get("QUERY_STRING", ""))
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES)
        )

    @staticmethod
    def _cacheable(request, response) -> bool:
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (user is not None and user.is_authenticated)
            and "CSRF_COOKIE" not in request.META
            and not getattr(request, "is_preview", False)
            and not any(word in response.get("Cache-Control", "") for word in ("private", "no-store", "no-cache"))
            and response.get("Content-Type", "").split(";")[0].strip() in CACHEABLE_TYPES
        )
