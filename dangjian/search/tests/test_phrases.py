"""The query exactly as typed ranks first (selectors.phrase_tiers), on either engine with the
same expected order: phrases whose characters segmentation drops or splits, and every title
of the archive searched for itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.search.segmenter import normalize, query_terms
from dangjian.search.selectors import search_articles
from dangjian.search.services import search_index_rebuild

from .fixtures import dated_article

pytestmark = pytest.mark.django_db

# Each is searched as words other than itself (老党员 as 党员; 红船精神 as 红船 + 精神).
PHRASES = ["老党员", "两学一做", "好支书", "新农村", "大走访", "学党史", "红船精神", "三会一课",
           "四个意识", "五星支部", "党日活动", "红色基因"]
FILLER = "会议要求，各单位结合实际抓好落实，做到有部署、有检查、有总结。"


@pytest.fixture
def phrase_archive(portal_site) -> dict[str, list[int]]:
    """For each phrase: the one article holding it, in its text, the oldest of three; an
    article with its words in the title, and one with its words many times in the text,
    both newer. The expected order: the phrase, the title, the text."""
    channel = portal_site.channels[0]
    expected = {}
    for n, phrase in enumerate(PHRASES):
        # Quoted, each word is segmented on its own, as in the query.
        words = "、".join(f"“{word}”" for word in query_terms(phrase))
        holder = dated_article(channel, 300 + n, f"基层工作简讯第{n + 1}期", f"{FILLER}“{phrase}”{FILLER}")
        in_title = dated_article(channel, 100 + n, f"{words}工作推进会第{n + 1}次", FILLER)
        in_text = dated_article(channel, 10 + n, f"基层工作动态第{n + 1}期", f"{words}。" * 6 + FILLER)
        expected[phrase] = [holder.pk, in_title.pk, in_text.pk]
    search_index_rebuild()
    return expected


def test_a_phrase_ranks_above_its_words_on_either_engine(phrase_archive):
    for phrase, order in phrase_archive.items():
        assert query_terms(phrase) != [normalize(phrase)], phrase  # searched as other words
        found = [hit.page.pk for hit in search_articles(query=phrase).hits]
        assert found[: len(order)] == order, phrase
        # Typed with full-width spaces around it, or a letter case the text does not have: the same.
        assert [hit.page.pk for hit in search_articles(query=f"\u3000{phrase} ").hits][:1] == order[:1], phrase


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_title_searched_for_finds_its_article_first(search_archive, data):
    searchable = {key: page for key, page in search_archive.articles.items()
                  if key not in ("draft", "unpublished", "private")}
    key = data.draw(st.sampled_from(sorted(searchable)))
    hits = search_articles(query=searchable[key].title).hits
    assert hits and hits[0].page.pk == searchable[key].pk, (searchable[key].title, [hit.page.title for hit in hits[:3]])


def test_a_phrase_with_letters_matches_the_text_in_either_case(portal_site):
    channel = portal_site.channels[0]
    holder = dated_article(channel, 30, "基层工作简讯", f"{FILLER}全镇5G基站建设全面完成。{FILLER}")
    others = [dated_article(channel, n, f"“基站”“建设”工作推进会第{n}次", "5g" + FILLER) for n in (1, 2)]
    search_index_rebuild()
    found = [hit.page.pk for hit in search_articles(query="５ｇ基站建设").hits]
    assert found[0] == holder.pk and set(found[1:3]) == {page.pk for page in others}, found
