"""Whatever a reader types, the answer is a results page or a clear message: never a 500,
never a query string handed to the FTS5 or tsquery parser."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.search.segmenter import MAX_QUERY_TERMS, query_terms
from dangjian.search.selectors import search_articles
from dangjian.testing.wsgi import wsgi_request

NASTY = [
    "", " ", "\t\n", "党", "，。！？、；：", '"', "'", "''", '"党建', "*", "党*", "**", "NEAR", "NEAR(凤庆 党建)",
    "NEAR/3", "-", "-党建", "党建 -凤庆", ":", "title:凤庆", "{title}:凤庆", "{title body}", "(", ")", "((凤庆)",
    "凤庆 OR 党建", "凤庆 AND", "NOT 凤庆", "AND OR NOT", "^凤庆", "凤庆^", "+凤庆", "凤庆 & 党建", "凤庆 | 党建",
    "!凤庆", "凤庆:*", "凤庆:A", "'凤庆':*", "<->", "凤庆 <-> 党建", "\\", "\\'", "%", "_", "%_%", "凤庆%",
    "' OR 1=1 --", "'; DROP TABLE search_fts; --", "\"; DELETE FROM search_searchdocument; --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;b&gt;", "javascript:alert(1)",
    "😀", "🇨🇳党建🎉", "👨‍👩‍👧", "\u200b凤\u200b庆\u200b", "\u202e庆凤", "凤\u0301庆", "ｆｅｎｇ ｑｉｎｇ", "ＳＥＬＥＣＴ",
    "𠀀𪚥", "〇〇〇", "①②③", "Ⅻ", "…", "——", "《凤庆》", "「党建」", "凤庆" * 5000, "党 " * 5000, "a" * 10000,
    "\x00", "凤\x00庆", "\x7f", "\ufeff凤庆", "\ud7ff", "0", "-1", "1e308", "NaN", "null", "undefined", "None",
]


@pytest.mark.parametrize("query", NASTY, ids=range(len(NASTY)))
def test_nasty_queries_get_a_page(client, search_archive, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "onerror=alert(1)>" not in html
    # A search page that answered the query: results, none found, or no words to search for
    # (a query of blanks only is no query: the empty search page; NULs are taken out first).
    outcomes = [marker in html for marker in ("共找到 ", "没有找到与", "搜索内容中没有可以搜索的文字或数字")]
    assert sum(outcomes) == (1 if query.replace("\x00", "").strip() else 0), outcomes


@pytest.mark.parametrize("filters", [
    {"date_to": "9999-12-31"}, {"date_from": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_to": "0001-01-01"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"}, {"page": "10001"}, {"page": "0"}, {"page": "-1"},
    {"page": "99999999999999999999"}, {"channel": "99999999999999999999"}, {"channel": "-1"},
])
def test_filters_at_their_extremes_are_dropped_with_a_notice(client, search_archive, filters):
    response = client.get("/search/", {"q": "凤庆", **filters})
    assert response.status_code == 200
    html = response.content.decode()
    assert "共找到 4 篇文章" in html  # searched without the dropped filter
    if "page" not in filters:
        assert "以下筛选条件无法识别，已忽略" in html, html


def test_a_nul_inside_the_query_is_taken_out_without_a_misleading_notice(client, search_archive):
    html = client.get("/search/", {"q": "凤\x00庆"}).content.decode()
    assert "共找到 4 篇文章" in html and "已忽略" not in html


def test_long_query_is_cut_with_a_message(client, search_archive):
    html = client.get("/search/", {"q": "凤庆" + "和" * 10_000}).content.decode()
    assert "搜索词过长，只使用了前 100 个字。" in html
    assert "共找到 4 篇文章" in html
    # 100 characters: the last word is cut to 党, a one-character word next to a longer one
    assert query_terms("党建 " * 5000) == ["党建"]
    assert len(query_terms(" ".join(f"词{n}" for n in range(1000)))) == MAX_QUERY_TERMS


def test_punctuation_only_gets_help(client, search_archive):
    html = client.get("/search/", {"q": "，。！？*:()"}).content.decode()
    assert "搜索内容中没有可以搜索的文字或数字" in html


def test_bytes_that_are_not_utf8(search_archive):
    status, _headers, body = wsgi_request("/search/", query="q=%FF%FE%E5%87&channel=%00&page=%C0")
    assert status.startswith("200")


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_is_a_safe_query(search_archive, text):
    terms = query_terms(text)
    assert len(terms) <= MAX_QUERY_TERMS
    assert all(re.fullmatch(r"[^\W_]+", term) for term in terms)
    search_articles(query=text)  # the engine accepts whatever is left


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_through_the_page(client, search_archive, text):
    assert client.get("/search/", {"q": text, "channel": text, "date_from": text, "sort": text}).status_code == 200
