"""A banner's click: counted, then sent to the banner's own stored link, never to an
address taken from the request."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.cache import never_cache

from dangjian.core.clientip import client_ip, client_network
from dangjian.pageviews.beacon import is_bot, visitor_cookie_id

from .models import Banner
from .services import banner_click_count


@never_cache
def click(request, banner_id: int):
    banner = Banner.objects.filter(pk=banner_id).first() if banner_id < 2**31 else None
    if banner is None or not banner.link or not banner.shown_at(timezone.now()):
        raise Http404
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if not is_bot(user_agent):
        visitor = visitor_cookie_id(request.META) or f"{client_network(client_ip(request.META))}|{user_agent[:300]}"
        banner_click_count(banner=banner, visitor=visitor)
    response = HttpResponseRedirect(banner.link)
    response["Referrer-Policy"] = "origin"
    return response
