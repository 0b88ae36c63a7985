from __future__ import annotations

from django.http import Http404, HttpResponse
from wagtail import hooks
from wagtail.models import Site

from .models import ArticlePage


def article(request, page_id: int):
    """Serve an article at its stable URL, through the same hooks as Wagtail's own serve view
    (view restrictions, passwords, login-only pages)."""
    site = Site.find_for_request(request)
    page = ArticlePage.objects.live().filter(pk=page_id).first()
    if page is None or site is None or not page.path.startswith(site.root_page.path):
        raise Http404
    for hook in hooks.get_hooks("before_serve_page"):
        result = hook(page, request, (), {})
        if isinstance(result, HttpResponse):
            return result
    return page.serve(request)


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
