"""An article's poster, as a redirect to its file (nginx or the object store serves the
bytes; the redirect follows each new revision), and WeChat's share-card signature."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangjian.accounts.limits import Refusal
from dangjian.core.clientip import client_ip
from dangjian.core.hosts import site_hosts
from dangjian.portal.models import MAX_PAGE_ID, PortalSettings

from . import selectors, services, wechat

logger = logging.getLogger(__name__)


def poster(request, page_id: int):
    article = selectors.poster_article(page_id) if page_id <= MAX_PAGE_ID else None
    if article is None:
        raise Http404
    portal = PortalSettings.for_request(request)
    # The code points at the article's URL on this site, built from the site's own root URL,
    # never from the request's Host header.
    url = article.get_full_url(request)
    found = services.poster_ensure(article=article, portal=portal, url=url, ip=client_ip(request.META))
    if isinstance(found, Refusal):
        response = HttpResponse(_("Too many posters from this network; please try again in %(seconds)d seconds.")
                                % {"seconds": found.retry_after}, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(found.retry_after)
        return response
    response = HttpResponseRedirect(default_storage.url(found))
    response["Cache-Control"] = "public, max-age=60"
    return response


@never_cache
def wechat_config(request):
    """The JS-SDK configuration for the page at ?url= (of this site): uncached, the ticket
    comes from the shared cache."""
    if not wechat.configured():
        raise Http404
    url = request.GET.get("url", "")[:2000].split("#")[0]
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, (parts.hostname or "").lower()
    except ValueError:  # "http://[::1" and the like
        scheme, host = "", ""
    if scheme not in ("http", "https") or host not in site_hosts():
        return JsonResponse({"error": "url"}, status=400)
    try:
        config = wechat.share_config(url)
    except wechat.WeChatError as error:
        logger.error("WeChat share card: %s", error)
        return JsonResponse({"error": "wechat"}, status=503)
    return JsonResponse({"appId": config.app_id, "timestamp": config.timestamp, "nonceStr": config.nonce,
                         "signature": config.signature})
