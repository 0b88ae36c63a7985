from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.invalidation import until_purge
from dangjian.portal.selectors import published_channels

PAGE_SIZE = 20
# Publish dates a filter may name: a day past 9999-12-31 does not exist, and nothing the
# portal carries is older than 1900; outside, the filter is dropped with the usual notice.
DATE_RANGE = [MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(dt.date(2999, 12, 31))]


_scope_groups: list[Callable[[], tuple[str, list[tuple[int, str]]]]] = []


def register_search_scope_group(group: Callable[[], tuple[str, list[tuple[int, str]]]]) -> None:
    """More scopes for the channel filter: `group()` gives a label and (page id, title) of
    pages whose subtrees are search scopes (city channels). The index holds a scope for
    every page between an article's channel and the home page (services.prepare_documents)."""
    if group not in _scope_groups:
        _scope_groups.append(group)


def _scope_choices() -> list:
    national = list(published_channels().filter(depth=3).values_list("pk", "title"))
    groups = [(label, choices) for label, choices in (group() for group in _scope_groups) if choices]
    if not groups:
        return [("", pgettext_lazy("search", "All channels")), *national]
    return [("", pgettext_lazy("search", "All channels")), (pgettext_lazy("search", "National channels"), national), *groups]


class QueryField(forms.CharField):
    """NUL characters are taken out of the query, not the query out of the search: Django
    would refuse the whole field, and the page would say the text was ignored."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "")


class SearchForm(forms.Form):
    """Everything a reader can put in the URL. A field that does not validate is dropped
    with a message rather than failing the search."""

    q = QueryField(label=pgettext_lazy("search", "Search for"), required=False, strip=True)
    channel = forms.TypedChoiceField(label=pgettext_lazy("search", "Channel"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=pgettext_lazy("search", "From"), required=False, validators=DATE_RANGE,
                                widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "2999-12-31"}))
    date_to = forms.DateField(label=pgettext_lazy("search", "To"), required=False, validators=DATE_RANGE,
                              widget=forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "2999-12-31"}))
    sort = forms.ChoiceField(
        label=pgettext_lazy("search", "Sort by"), required=False,
        choices=[("relevance", pgettext_lazy("search", "Relevance")), ("date", pgettext_lazy("search", "Newest"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = until_purge(("search channels",), _scope_choices)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            data["date_from"], data["date_to"] = data["date_to"], data["date_from"]
        return data

    def search_arguments(self) -> dict:
        """Valid fields only; what failed is left at its default."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {
            "query": data.get("q") or "",
            "channel_id": data.get("channel"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "sort": data.get("sort") or "relevance",
            "offset": ((data.get("page") or 1) - 1) * PAGE_SIZE,
            "limit": PAGE_SIZE,
        }

    @property
    def dropped_fields(self) -> list[str]:
        return [str(self.fields[name].label or name) for name in self.errors if name in self.fields and name != "page"]


QUERY_TOO_LONG = _("Only the first %(count)s characters of your search were used.")
