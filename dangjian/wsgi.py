import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()


def _with_fast_path(app):
    from django.conf import settings

    if not settings.PAGE_CACHE_ENABLED:
        return app
    from dangjian.core.fastpath import FastPath
    from dangjian.core.pagecache import PageCache

    # The headers Django's SecurityMiddleware and XFrameOptionsMiddleware add to its answers.
    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", settings.X_FRAME_OPTIONS)]
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
        headers.append(("Strict-Transport-Security", hsts))
    return FastPath(
        app, PageCache(settings.PAGE_CACHE_DIR), session_cookie=settings.SESSION_COOKIE_NAME, headers=headers
    )


def _with_beacon(app):
    from django.conf import settings

    from dangjian.pageviews.beacon import BeaconApp

    return BeaconApp(app, session_cookie=settings.SESSION_COOKIE_NAME)


application = _with_beacon(_with_fast_path(application))
