"""What editors get: the dictionary, the popular searches, and an admin page search that
finds Chinese words inside titles."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from dangjian.accounts.roles import FIRST_REVIEW, READER
from dangjian.portal.tests.fixtures import make_article
from dangjian.search.models import SearchWord
from dangjian.search.services import search_query_record


@pytest.fixture
def editor(client, portal_site):
    user = get_user_model().objects.create_user("editor", password="x-Long-password-1")
    user.groups.add(Group.objects.get(name=FIRST_REVIEW))
    client.force_login(user)
    return user


def test_admin_page_search_finds_a_word_inside_a_title(client, portal_site, index_tasks):
    client.force_login(get_user_model().objects.create_superuser("chief", password="x-Long-password-1"))
    with index_tasks():  # Wagtail updates its own index in a background task too
        make_article(portal_site.channels[0], title="云南省凤庆县开展党建工作")
        make_article(portal_site.channels[0], title="西双版纳州召开会议")
    html = client.get("/admin/pages/search/", {"q": "凤庆"}).content.decode()
    assert "云南省凤庆县开展党建工作" in html
    html = client.get("/admin/pages/search/", {"q": "西双版纳"}).content.decode()
    assert "西双版纳州召开会议" in html
    html = client.get("/admin/pages/search/", {"q": "党建工作"}).content.decode()
    assert "云南省凤庆县开展党建工作" in html and "西双版纳州召开会议" not in html


def test_every_page_type_of_the_project_gets_segmented_search_fields():
    from wagtail.models import Page, get_page_models

    from dangjian.search.wagtail_backend import SegmentedSearchField

    ours = [model for model in get_page_models() if model.__module__.startswith("dangjian.")]
    assert {"HomePage", "ChannelPage", "ArticlePage", "CityChannelPage"} <= {model.__name__ for model in ours}
    for model in ours:
        twins = [field.field_name for field in model.get_search_fields() if isinstance(field, SegmentedSearchField)]
        assert sorted(twins) == sorted(set(twins)) and "title" in twins, model  # each text field once
    assert not any(isinstance(field, SegmentedSearchField) for field in Page.get_search_fields())


def test_editor_adds_a_word_and_bad_words_get_chinese_messages(client, editor, index_tasks):
    assert client.get("/admin/search_words/").status_code == 200
    with index_tasks():
        response = client.post("/admin/search_words/new/", {"word": "红色物业", "note": "街道党建品牌"})
    assert response.status_code == 302
    word = SearchWord.objects.get()
    assert (word.word, word.note, word.changed_by) == ("红色物业", "街道党建品牌", editor)

    for bad in ["红", "红色 物业", "红色物业！", "a" * 31]:
        html = client.post("/admin/search_words/new/", {"word": bad}).content.decode()
        assert "词语须为 2 至 30 个字" in html or "不超过 30 字符" in html, bad
    html = client.post("/admin/search_words/new/", {"word": "红色物业"}).content.decode()
    assert "词库中已有这个词语。" in html
    assert SearchWord.objects.count() == 1


def test_popular_searches_report(client, editor):
    for _ in range(3):
        search_query_record(terms=["凤庆"], found=True)
    search_query_record(terms=["区块链"], found=False)
    html = client.get("/admin/search/popular/").content.decode()
    assert html.index(">凤庆</a>") < html.index(">区块链</a>")
    assert "<td>3</td>" in html
    assert client.get("/admin/search/popular/", {"days": "abc"}).status_code == 200


def test_readers_cannot_see_the_report_or_the_dictionary(client, portal_site):
    user = get_user_model().objects.create_user("reader", password="x-Long-password-1")
    user.groups.add(Group.objects.get(name=READER))
    client.force_login(user)
    assert client.get("/admin/search/popular/").status_code == 302
    assert client.get("/admin/search_words/").status_code == 302
