from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import selectors, services
from .forms import PAGE_SIZE, QUERY_TOO_LONG, SearchForm
from .segmenter import MAX_QUERY_CHARS


@never_cache
def search(request):
    form = SearchForm(request.GET)
    arguments = form.search_arguments()
    results = selectors.search_articles(**arguments)
    if results.terms and arguments["offset"] == 0:
        services.search_query_record(terms=results.terms, found=results.total > 0)
    page_number = arguments["offset"] // PAGE_SIZE + 1
    last_page = max(1, -(-results.listed // PAGE_SIZE))
    filtered = any(arguments[name] for name in ("channel_id", "date_from", "date_to"))

    def page_url(number: int) -> str:
        query = request.GET.copy() if isinstance(request.GET, QueryDict) else QueryDict(mutable=True)
        query["page"] = str(number)
        return "?" + query.urlencode()

    context = {
        "form": form,
        "query": arguments["query"],
        "results": results,
        "page_number": page_number,
        "first_number": arguments["offset"] + 1,
        "previous_url": page_url(page_number - 1) if page_number > 1 else None,
        "next_url": page_url(page_number + 1) if page_number < last_page else None,
        "last_page": last_page,
        "filtered": filtered,
        "too_long": QUERY_TOO_LONG % {"count": MAX_QUERY_CHARS} if len(arguments["query"]) > MAX_QUERY_CHARS else "",
        "popular": selectors.popular_searches(limit=10, found_only=True),
    }
    return render(request, "search/search.html", context)
