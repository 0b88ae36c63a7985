"""Contributors' HTML, made safe and put in Wagtail's rich-text format before it is stored.

Wagtail sanitizes only what its own editor saves; a submission from the public site is
cleaned here by nh3 (the Rust ammonia library): an allowlist of the tags the article body
uses, href as the only attribute, http/https/mailto as the only link schemes. Everything
else (scripts, event handlers, styles, SVG, MathML, iframes, javascript: and data: URLs,
Wagtail's own <embed> and linktype references) is removed; the text inside dropped tags
stays, except for script and style, whose content goes too.
"""

from __future__ import annotations

import re

import nh3

TAGS = {"p", "br", "h2", "h3", "h4", "b", "strong", "i", "em", "ol", "ul", "li", "a", "hr", "blockquote"}
# Wagtail's rich text says <b> and <i>; browsers' editors produce <strong> and <em>.
RENAMES = [(re.compile(r"<(/?)strong>"), r"<\1b>"), (re.compile(r"<(/?)em>"), r"<\1i>")]
MAX_HTML_CHARS = 200_000
ABSOLUTE = re.compile(r"^(https?://|mailto:)", re.I)


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Keep href only when it is a web or mail address (and the rel nh3 adds to links)."""
    if tag == "a" and (attribute == "rel" or (attribute == "href" and ABSOLUTE.match(value))):
        return value
    return None


def rich_text_from_html(html: str) -> str:
    """Sanitized HTML in Wagtail's rich-text storage format."""
    cleaned = nh3.clean(
        (html or "")[:MAX_HTML_CHARS],
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}, "*": set()},
        attribute_filter=_only_absolute_links,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    for pattern, replacement in RENAMES:
        cleaned = pattern.sub(replacement, cleaned)
    return cleaned
