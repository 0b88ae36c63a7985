from __future__ import annotations

from django import template
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
