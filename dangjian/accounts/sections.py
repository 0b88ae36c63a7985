"""Parts of the account page that other apps add (a contributor's submissions, a city
channel application): each registers a function of the request returning HTML, or ""."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

_sections: list[Callable[[HttpRequest], str]] = []


def register_account_section(section: Callable[[HttpRequest], str]) -> None:
    if section not in _sections:
        _sections.append(section)


def account_sections(request: HttpRequest) -> list[str]:
    return [html for section in _sections if (html := section(request))]
