"""Places in the portal's page templates that feature apps fill, so the portal's templates
name no feature app and a feature adds its block without editing them.

A template marks a place with ``{% slot "name" %}`` (portal_tags); a feature registers a
function for it in its wagtail_hooks.py with ``@hooks.register("portal_slot_<name>")``. The
function gets the template context and returns HTML, or "" where it has nothing to show
(for another page type, say). Places:

| slot           | where                                                      |
|----------------|------------------------------------------------------------|
| ``article_meta`` | the line under an article's title (views, time, source)  |
| ``aside``      | the side column of the home page, channels and city channels |
| ``copyright``  | under an article's copyright notice                        |
| ``share``      | in an article's "save to phone / share" block, above its buttons |
| ``home_top``, ``home_middle`` | the home page's banner places: above everything, below the headlines |
| ``article_bottom`` | below an article (the reference page's banner)         |

Blocks render inside the page's own render, so what they read is recorded with
``core.dependencies.depends_on`` like everything else on the page.
"""

from __future__ import annotations

from django.template import Context
from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks


def slot_render(context: Context, name: str) -> SafeString:
    return mark_safe("".join(block(context) for block in hooks.get_hooks(f"portal_slot_{name}")))


def render_in_context(context: Context, template_name: str, **values) -> str:
    """`template_name` rendered with the page's context plus `values`, as {% include %} does:
    no second run of the context processors."""
    template = context.template.engine.get_template(template_name)
    with context.push(**values):
        return template.render(context)
