from __future__ import annotations

from django.conf import settings

from .pagecache import PageCache, cacheable_query

CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/xml", "text/xml", "text/plain")


def page_cache() -> PageCache:
    return PageCache(settings.PAGE_CACHE_DIR)


class PageCacheMiddleware:
    """Store what an anonymous reader got, when it is the same for every anonymous reader.

    Never stored: responses to logged-in users or requests with a session, query strings
    other than tracking parameters (pagecache.IGNORED_QUERY_KEYS),
    previews, anything but 200, responses that set a cookie or used a CSRF token (forms),
    private/no-store responses, admin/documents/media/static URLs.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.cache = page_cache()

    def __call__(self, request):
        generation = self.cache.generation() if self._candidate(request) else None
        response = self.get_response(request)
        if generation is not None and self._cacheable(request, response):
            if self.cache.store(request.get_host(), request.path, response.content, response["Content-Type"], generation):
                response["X-Page-Cache"] = "MISS"
        return response

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
