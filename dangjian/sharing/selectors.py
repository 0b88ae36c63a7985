"""Reading what may be shared (services.py draws and deletes posters)."""

from __future__ import annotations

from dangjian.portal.models import ArticlePage


def poster_article(page_id: int) -> ArticlePage | None:
    """The article a poster may be made of: published and public (a draft, a page behind a
    login or password, a taken-down article has none)."""
    return ArticlePage.objects.live().public().filter(pk=page_id).select_related("cover_image").first()
