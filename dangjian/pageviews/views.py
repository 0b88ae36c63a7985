from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from dangjian.core.clientip import client_ip

from .beacon import VISITOR_COOKIE, answer


@csrf_exempt  # a beacon changes only a counter; answer() refuses cross-site posts itself
def beacon(request, page_id: int):
    """Beacons that reach Django: those with a session (beacon.BeaconApp answers the rest)."""
    user = request.user
    status, headers, body = answer(
        page_id=page_id,
        method=request.method,
        cookie=request.COOKIES.get(VISITOR_COOKIE, ""),
        ip=client_ip(request.META),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        host=request.META.get("HTTP_HOST", ""),
        origin=request.META.get("HTTP_ORIGIN", ""),
        fetch_site=request.META.get("HTTP_SEC_FETCH_SITE", ""),
        staff=user.is_authenticated and user.has_perm("wagtailadmin.access_admin"),
    )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response
