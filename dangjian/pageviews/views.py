from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .beacon import answer_request


@csrf_exempt  # a beacon changes only a counter; answer() refuses cross-site posts itself
def beacon(request, page_id: int):
    """Beacons that reach Django: those with a session (beacon.BeaconApp answers the rest)."""
    user = request.user
    status, headers, body = answer_request(
        page_id, request.META, staff=user.is_authenticated and user.has_perm("wagtailadmin.access_admin")
    )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response
