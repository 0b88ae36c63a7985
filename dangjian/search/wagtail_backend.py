"""Wagtail's own database search backend (the admin's page search and choosers), taught to
cut Chinese into words.

Stock, it indexes a run of Chinese characters as one token, so 凤庆 is not found in the
title 云南省凤庆县开展党建工作. Here the indexed title and body are the segmented words
(segment_page_search_fields() adds them to every page type when the app is ready), and every query
string (or the admin's parsed query) is segmented the same way. The public search page does not
use this backend: it has its own index (backends.py) with its own ranking and filters.
"""

from __future__ import annotations

from wagtail.models import Page, get_page_models
from wagtail.search import index
from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend
from wagtail.search.query import And, Or, PlainText

from . import segmenter


def _segmented(text) -> str:
    return " ".join(segmenter.document_terms(str(text))) if text else ""


class SegmentedSearchField(index.SearchField):
    def get_value(self, obj):
        return _segmented(super().get_value(obj))


class SegmentedAutocompleteField(index.AutocompleteField):
    def get_value(self, obj):
        return _segmented(super().get_value(obj))


def with_segmented(fields: list) -> list:
    """`fields` and a segmenting twin of each text field. The originals stay: Wagtail checks
    that a page model keeps Page's own search fields."""
    twins = []
    for field in fields:
        if type(field) is index.SearchField:
            twins.append(SegmentedSearchField(field.field_name, boost=field.boost, **field.kwargs))
        elif type(field) is index.AutocompleteField:
            twins.append(SegmentedAutocompleteField(field.field_name, **field.kwargs))
    return fields + twins


def segment_page_search_fields() -> None:
    """Give every page type the segmenting twins of its text fields. Done from here rather
    than in each model: the page types (portal's, and those of feature apps) need not know
    that search segments Chinese."""
    for model in get_page_models():
        fields = model.search_fields
        if model is Page or any(isinstance(f, SegmentedSearchField | SegmentedAutocompleteField) for f in fields):
            continue  # Page is left as Wagtail made it; a subclass may inherit its parent's twins
        model.search_fields = with_segmented(fields)


class SegmentedQueries:
    def search(self, query, *args, **kwargs):
        return super().search(self._query(query), *args, **kwargs)

    def autocomplete(self, query, *args, **kwargs):
        return super().autocomplete(self._query(query), *args, **kwargs)

    @classmethod
    def _query(cls, query):
        """A query string, or the query objects the admin builds with parse_query_string."""
        if isinstance(query, str):
            return " ".join(segmenter.query_terms(query))
        if isinstance(query, PlainText):
            return PlainText(cls._query(query.query_string), operator=query.operator)
        if isinstance(query, And | Or):
            return type(query)([cls._query(sub) for sub in query.subqueries])
        return query


def SearchBackend(params):  # noqa: N802 - Wagtail looks the backend up by this name
    backend_class = type(DatabaseSearchBackend(params))
    return type(f"Segmented{backend_class.__name__}", (SegmentedQueries, backend_class), {})(params)
