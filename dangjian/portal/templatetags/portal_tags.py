from __future__ import annotations

import json

from django import template
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Site

from dangjian.core.dependencies import CHANNELS_MENU, depends_on
from dangjian.core.invalidation import until_purge
from dangjian.portal.selectors import published_channels
from dangjian.portal.slots import slot_render

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_channels(context):
    """The channels shown in the header menu, in the order editors gave them in the admin."""
    site = Site.find_for_request(context["request"])
    if site is None:
        return []
    depends_on(CHANNELS_MENU)
    return until_purge(("nav channels", site.pk), lambda: list(published_channels().in_menu().child_of(site.root_page)))


@register.simple_tag(takes_context=True)
def slot(context, name: str):
    """The blocks feature apps show at this place (portal/slots.py)."""
    return slot_render(context, name)


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """An absolute URL on the current site, for share cards that chat apps fetch."""
    if path.startswith(("http://", "https://")):
        return path
    site = Site.find_for_request(context["request"])
    return (site.root_url if site else "") + path


@register.simple_tag
def mourning_periods() -> str:
    """The current and coming mourning periods as JSON for modes.js: [[start, end], …] in
    milliseconds since the epoch, end null while a period has none."""
    from dangjian.portal.models import MourningPeriod

    def periods() -> str:
        now = timezone.now()
        rows = MourningPeriod.objects.filter(Q(end__isnull=True) | Q(end__gt=now)).values_list("start", "end")
        return json.dumps([[int(start.timestamp() * 1000), int(end.timestamp() * 1000) if end else None] for start, end in rows])

    return until_purge(("mourning periods",), periods)


# Inside a <script> element, < > & must not appear literally (a title holding "</script>").
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def article_structured_data(page, url: str) -> SafeString:
    """schema.org NewsArticle for search engines and readers' apps: the byline's organization
    and author as labelled fields, which the page shows only as "（单位  作者）"."""
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": page.title, "url": url}
    if page.first_published_at:
        data["datePublished"] = timezone.localtime(page.first_published_at).isoformat()
    if page.last_published_at:
        data["dateModified"] = timezone.localtime(page.last_published_at).isoformat()
    if page.byline_author:
        data["author"] = {"@type": "Person", "name": page.byline_author}
    if page.byline_organization:
        data["sourceOrganization"] = {"@type": "Organization", "name": page.byline_organization}
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
