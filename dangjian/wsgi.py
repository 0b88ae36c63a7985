import os

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


application = with_beacon(with_fast_path(get_wsgi_application()))
