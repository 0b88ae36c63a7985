"""The logged-in hint: a cookie scripts may read, saying that this browser has a session
that was logged in. Pages come from the full-page cache, identical for every reader; the
script on them asks the uncached account state endpoint only where this cookie is set, so
anonymous readers (nearly all) make no extra request. The endpoint has the last word: a hint
that outlived its session is removed there."""

from __future__ import annotations

from django.conf import settings

HINT_COOKIE = "dj_login"


class LoginHintMiddleware:
    """Sets the hint on any answer to a logged-in user (whichever way they logged in: phone
    code, the admin's password) and removes it once the user is not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        hinted = HINT_COOKIE in request.COOKIES
        # Without a session cookie there is no one logged in and no session to load.
        if not hinted and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        user = getattr(request, "user", None)
        logged_in = bool(user is not None and user.is_authenticated)
        if logged_in and not hinted:
            hint_set(response)
        elif hinted and not logged_in:
            hint_clear(response)
        return response


def hint_set(response) -> None:
    response.set_cookie(HINT_COOKIE, "1", max_age=settings.SESSION_COOKIE_AGE, secure=settings.SESSION_COOKIE_SECURE,
                        httponly=False, samesite="Lax")


def hint_clear(response) -> None:
    response.delete_cookie(HINT_COOKIE, samesite="Lax")
