"""Narrowing what an admin user sees to what they work on. Feature apps register a
"dangjian_narrow_pages" hook, fn(pages, user) -> pages (cities: a city's staff see their
city only); admin views that list pages across the tree (reports) pass their querysets
through `narrowed_pages`."""

from __future__ import annotations

from wagtail import hooks


def narrowed_pages(pages, user):
    for narrow in hooks.get_hooks("dangjian_narrow_pages"):
        pages = narrow(pages, user)
    return pages
