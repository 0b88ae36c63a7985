"""A fixed archive (fixtures.ARCHIVE) and the results each query must give, in order."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangjian.search.models import SearchWord
from dangjian.search.selectors import search_articles
from dangjian.search.services import search_index_rebuild

# (query, expected article keys in order of relevance). Orders follow the ranking rules in
# selectors.py: every term in the title first; then relevance; then the newer article.
EXPECTED = [
    # one character: a prefix of words, in title and body
    # 凤庆 in the title first; then the shorter articles mentioning it once, newer first; then
    # the long one that mentions it once
    ("凤", ["fengqing-meeting", "congress-community", "collective-economy", "tea"]),
    ("茶", ["tea"]),
    ("党", None),  # checked below: every published article that mentions 党 in any word
    # two characters, in titles and in the middle of sentences
    ("凤庆", ["fengqing-meeting", "congress-community", "collective-economy", "tea"]),
    ("茶叶", ["tea"]),
    ("社区", ["congress-community", "wuyue"]),
    ("表彰", ["study-points", "model-members"]),
    # once each in articles of similar length: newest first; the longest last
    ("支部", ["congress-community", "study-points", "theme-education", "red-property", "fengqing-meeting"]),
    ("义诊", ["volunteers"]),
    ("春联", ["wuyue"]),
    ("吾悦", ["wuyue"]),
    ("物业", ["red-property", "red-tourism"]),
    # three and four characters
    ("二十大", ["congress-community"]),
    ("养老院", ["volunteers"]),
    ("滇红茶", ["tea"]),
    ("乡村振兴", ["5g-village", "tea"]),
    ("集体经济", ["collective-economy"]),
    ("三会一课", ["fengqing-meeting"]),
    ("学习强国", ["study-points"]),
    ("主题教育", ["theme-education"]),
    ("共产党员", ["model-members"]),
    # several words: all must appear
    ("凤庆 茶叶", ["tea"]),
    ("凤庆县党建", ["fengqing-meeting"]),
    # 党员 twice (共产党员) in the second, once in the first
    ("党员 表彰", ["model-members", "study-points"]),
    ("红色 物业", ["red-property", "red-tourism"]),
    # mixed Chinese, Latin and numbers; full-width and capitals
    ("5G", ["5g-village"]),
    ("５Ｇ", ["5g-village"]),
    ("5g基站", ["5g-village"]),
    ("2023年", ["model-members", "fengqing-meeting"]),
    ("2023", ["model-members", "fengqing-meeting"]),
    ("COVID", ["epidemic"]),
    ("covid-19", ["epidemic"]),
    ("Party building", ["english"]),
    ("数字党建", ["english"]),
    ("app", ["english"]),
    # the frequent word first: the article with it in the title and most often in the body
    ("茶叶 产业", ["tea"]),
    # must find nothing
    ("北京冬奥会", []),
    ("区块链", []),
    ("草稿", []),
    ("撤下", []),
    ("内部通知", []),
    ("凤庆 区块链", []),
]


def keys(results, archive) -> list[str]:
    return [archive.key_of(hit.page) for hit in results.hits]


@pytest.mark.parametrize(("query", "expected"), [case for case in EXPECTED if case[1] is not None], ids=[c[0] for c in EXPECTED if c[1] is not None])
def test_query_finds_expected_articles_in_order(search_archive, query, expected):
    results = search_articles(query=query)
    assert keys(results, search_archive) == expected
    assert results.total == len(expected)


def test_one_character_finds_every_word_starting_with_it(search_archive):
    results = search_articles(query="党")
    found = set(keys(results, search_archive))
    assert {"fengqing-meeting", "volunteers", "epidemic", "red-property", "english", "model-members"} <= found
    assert not found & {"draft", "unpublished", "private"}
    # A word starting with 党 in the title (党建, 党员, 共产党员) first.
    in_title = {"fengqing-meeting", "volunteers", "epidemic", "model-members", "english"}
    assert set(keys(results, search_archive)[:5]) == in_title


def test_dictionary_word_is_kept_whole(search_archive):
    # Without the word, 红色物业 is two words and matches an article about red tourism that
    # also mentions property management; once editors add it, only the article about it.
    assert keys(search_articles(query="红色物业"), search_archive) == ["red-property", "red-tourism"]
    SearchWord.objects.create(word="红色物业")
    search_index_rebuild()
    assert keys(search_articles(query="红色物业"), search_archive) == ["red-property"]
    assert keys(search_articles(query="物业"), search_archive) == ["red-property", "red-tourism"]


def test_filters_and_date_order(search_archive):
    channel = search_archive.channels[1]
    assert keys(search_articles(query="凤庆", channel_id=channel.pk), search_archive) == ["collective-economy", "tea"]
    newest_first = keys(search_articles(query="凤庆", sort="date"), search_archive)
    assert newest_first == ["fengqing-meeting", "congress-community", "tea", "collective-economy"]
    tea = timezone.localdate(search_archive.articles["tea"].first_published_at)
    in_range = search_articles(query="凤庆", date_from=tea, date_to=tea)
    assert keys(in_range, search_archive) == ["tea"]
