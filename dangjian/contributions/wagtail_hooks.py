from __future__ import annotations

from django.contrib import messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from dangjian.core.viewsets import ListViewSet
from dangjian.portal.models import ArticlePage
from dangjian.search.services import article_text

from .models import SensitiveWord
from .screening import screen


class SensitiveWordViewSet(ListViewSet):
    model = SensitiveWord
    icon = "warning"
    menu_label = gettext_lazy("Sensitive words")
    form_fields = ["word", "category", "note"]
    list_display = ["word", "category", "note", "changed_at", "changed_by"]
    list_filter = ["category"]
    search_fields = ["word", "note"]


@hooks.register("register_admin_viewset")
def register_sensitive_words():
    return SensitiveWordViewSet("sensitive_words")


def _warn_sensitive_words(request, page):
    """Staff are warned, not stopped: the words found in what they just saved."""
    page = page.specific
    if not isinstance(page, ArticlePage):
        return
    latest = page.get_latest_revision_as_object()
    matches = screen(f"{latest.title}\n{article_text(latest)}")
    if matches:
        words = list(dict.fromkeys((m.word, SensitiveWord.Category(m.category).label) for m in matches))
        found = format_html_join("、", "{}（{}）", words)
        messages.warning(request, format_html("{}{}", found, _(": sensitive words in this article. Please check before publishing.")))


hooks.register("after_create_page", _warn_sensitive_words)
hooks.register("after_edit_page", _warn_sensitive_words)
