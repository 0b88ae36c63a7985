from __future__ import annotations

from django.http import Http404, HttpResponse
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from dangjian.core.dependencies import SITEMAP, depends_on

from .holds import article_gone
from .models import MAX_PAGE_ID, ArticlePage


def article(request, page_id: int):
    """Serve an article at its stable URL by handing its tree path to Wagtail's own serve
    view, so every hook Wagtail runs there (view restrictions, passwords, login-only pages,
    whatever later versions add) applies here too."""
    if page_id > MAX_PAGE_ID:
        raise Http404
    site = Site.find_for_request(request)
    page = ArticlePage.objects.live().filter(pk=page_id).only("url_path").first()
    if page is None and (gone := article_gone(request, page_id)) is not None:
        return gone
    if page is None or site is None or not page.url_path.startswith(site.root_page.url_path):
        raise Http404
    return wagtail_serve(request, page.url_path[len(site.root_page.url_path):])


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def sitemap(request):
    """Wagtail's sitemap of every published page: stale whenever one is published or removed."""
    depends_on(SITEMAP)
    return wagtail_sitemap(request)
