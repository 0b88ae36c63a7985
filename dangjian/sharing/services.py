"""Share posters: drawn once per published revision (and look of the site), kept in the
media storage (served by nginx, or the object store), removed when the article changes."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from dangjian.accounts.limits import Refusal, counters, limits_from_spec
from dangjian.core.clientip import client_network
from dangjian.portal.models import ArticlePage, PortalSettings

from .poster import PosterContent, poster_draw

logger = logging.getLogger(__name__)
POSTER_DIR = "posters"


def _look(portal: PortalSettings) -> str:
    """What of the site the poster shows: a change makes a new poster."""
    parts = [portal.site_name, str(portal.logo.file.name if portal.logo else ""), settings.POSTER_FONT]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]


def poster_name(article: ArticlePage, portal: PortalSettings) -> str:
    return f"{POSTER_DIR}/{article.pk}/{article.live_revision_id or 0}-{_look(portal)}.png"


def _picture(image) -> Image.Image | None:
    """A Wagtail image's pixels, at most 1500 px wide; None if the file is gone or unreadable."""
    if image is None:
        return None
    try:
        with image.open_file() as handle:
            picture = Image.open(handle)
            picture.draft("RGB", (1500, 1500))  # JPEG: decoded at a reduced scale
            picture.load()
            return picture
    except (OSError, ValueError):
        logger.warning("poster: image %s cannot be read", image.pk)
        return None


def poster_content(article: ArticlePage, portal: PortalSettings, url: str) -> PosterContent:
    published = timezone.localtime(article.first_published_at) if article.first_published_at else None
    return PosterContent(
        site_name=portal.site_name, title=article.title, summary=article.summary or article.subtitle,
        date=f"{published:%Y-%m-%d}" if published else "", url=url, scan_hint=_("Scan the code to read the whole article"),
        logo=_picture(portal.logo), cover=_picture(article.cover_image),
    )


def poster_limits(ip: str):
    return limits_from_spec(settings.POSTER_LIMITS, "poster", client_network(ip))


def poster_ensure(*, article: ArticlePage, portal: PortalSettings, url: str, ip: str) -> str | Refusal:
    """The storage name of the article's poster, drawn now if it is not there yet (which
    counts against the address's limit: drawing costs the server); a Refusal beyond it."""
    name = poster_name(article, portal)
    if default_storage.exists(name):
        return name
    refused = counters().consume(poster_limits(ip))
    if refused is not None:
        return refused
    data = poster_draw(poster_content(article, portal, url))
    if default_storage.exists(name):  # another request drew it meanwhile
        return name
    return default_storage.save(name, ContentFile(data))


def posters_delete(*, page_id: int) -> None:
    """An article changed, left the site or was deleted: its posters go (a new one is drawn
    when asked for)."""
    folder = f"{POSTER_DIR}/{page_id}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for file in files:
        default_storage.delete(f"{folder}/{file}")
