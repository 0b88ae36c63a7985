import os
import re

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")


def with_fast_path(app, *, background: bool = True):
    """`app` behind the page cache's fast path; `background=False` refreshes a stale page in
    the request that finds it (for tests, which run inside one transaction)."""
    from django.conf import settings

    if not settings.PAGE_CACHE_ENABLED:
        return app
    from dangjian.core.fastpath import FastPath
    from dangjian.core.middleware import page_cache, security_headers, strict_transport_security

    hsts = strict_transport_security()
    return FastPath(
        app, page_cache(), session_cookie=settings.SESSION_COOKIE_NAME, headers=security_headers(),
        secure_headers=[("Strict-Transport-Security", hsts)] if hsts else [],
        ssl_redirect=settings.SECURE_SSL_REDIRECT, proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER, background=background,
    )


def with_beacon(app):
    from django.conf import settings

    from dangjian.pageviews.beacon import BeaconApp

    return BeaconApp(app, session_cookie=settings.SESSION_COOKIE_NAME)


def with_static(app):
    """Static files from WhiteNoise (fingerprinted names cached for a year, gzip and Brotli
    copies when present), with nosniff like every other answer; anything else, a missing file
    included, goes to `app`. Uploaded media go through Django (urls.py). nginx answers both
    itself in production; this is for `dangjian serve` alone."""
    from django.conf import settings
    from whitenoise import WhiteNoise

    def nosniff(headers, path, url):
        headers["X-Content-Type-Options"] = "nosniff"

    def fingerprinted(path, url):  # site.3f2a9c1b0d4e.css, as ManifestStaticFilesStorage names them
        return re.search(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$", url) is not None

    static = WhiteNoise(app, add_headers_function=nosniff, immutable_file_test=fingerprinted)
    if settings.STATIC_ROOT.is_dir():  # collected by `dangjian serve` before it starts the workers
        static.add_files(settings.STATIC_ROOT, prefix=settings.STATIC_URL)
    return static


def with_compression(app):
    from dangjian.core.compression import Compression

    return Compression(app)


def with_access_log(app):
    from django.conf import settings

    if not settings.ACCESS_LOG:
        return app
    from dangjian.core.accesslog import AccessLog

    return AccessLog(app)


application = with_access_log(with_compression(with_static(with_beacon(with_fast_path(get_wsgi_application())))))
