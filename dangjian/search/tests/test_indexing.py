"""The index follows the articles: publish, edit, unpublish, move, restrict, delete; and it
is updated by background tasks after the commit, not in the editor's request."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from dangjian.portal.tests.fixtures import make_article
from dangjian.search.models import SearchDocument, SearchWord
from dangjian.search.selectors import search_articles


def found(query: str) -> list[int]:
    return [hit.page.pk for hit in search_articles(query=query).hits]


def test_publish_edit_unpublish_delete(portal_site, index_tasks):
    channel = portal_site.channels[0]
    with index_tasks():
        article = make_article(channel, title="沧源佤族自治县召开大会", revision=True)
    assert found("沧源") == [article.pk]

    with index_tasks():
        article.title = "勐董镇召开大会"
        article.body = [("text", RichText("<p>会议传达了新的部署。</p>"))]
        article.save_revision().publish()
    assert found("勐董镇") == [article.pk]
    assert found("沧源") == []
    assert found("基层党组织") == []  # the old body

    with index_tasks():
        article.unpublish()
    assert found("勐董镇") == []

    with index_tasks():
        article.refresh_from_db()
        article.save_revision().publish()
    assert found("勐董镇") == [article.pk]

    with index_tasks():
        article.delete()
    assert found("勐董镇") == []
    assert not SearchDocument.objects.exists()


def test_drafts_are_not_indexed_until_published(portal_site, index_tasks):
    with index_tasks():
        article = make_article(portal_site.channels[0], title="澜沧江畔的党课", revision=True, publish=False)
    assert found("澜沧江") == []
    with index_tasks():
        article.title = "澜沧江畔的党课（修改稿）"
        article.save_revision()  # a new draft of a published page changes nothing either
    assert found("澜沧江") == []


def test_articles_with_odd_text_are_indexed(portal_site, index_tasks):
    # A 3,000-letter "word" (a pasted code, a hash) is more than PostgreSQL indexes in one
    # word; a text of 20,000 words has positions past PostgreSQL's last one; rare characters
    # from the CJK extensions and compatibility forms.
    body = "<p>" + "a" * 3000 + " 孟连县娜允古镇。" + "公路" * 20_000 + " 𠮷野家与木欄杆，①号文件。</p>"
    with index_tasks():
        article = make_article(portal_site.channels[0], title="孟连县𠮷野家调研", revision=True)
        article.body = [("text", RichText(body))]
        article.save_revision().publish()
    assert found("娜允古镇") == [article.pk]
    assert found("𠮷野家") == [article.pk]
    assert found("1号文件") == [article.pk]
    assert found("木欄杆") == [article.pk]  # written with U+F91D, the compatibility form of 欄


def test_move_to_another_channel_changes_the_channel_filter(portal_site, index_tasks):
    first, second = portal_site.channels
    with index_tasks():
        article = make_article(first, title="怒江州开展培训", revision=True)
    assert [h.page.pk for h in search_articles(query="怒江", channel_id=first.pk).hits] == [article.pk]
    with index_tasks():
        article.move(second, pos="last-child")
    assert search_articles(query="怒江", channel_id=first.pk).hits == []
    assert [h.page.pk for h in search_articles(query="怒江", channel_id=second.pk).hits] == [article.pk]


def test_view_restriction_hides_an_article_and_its_removal_shows_it(portal_site, index_tasks):
    with index_tasks():
        article = make_article(portal_site.channels[0], title="独龙江乡通知", revision=True)
    with index_tasks():
        restriction = PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    assert found("独龙江") == []
    with index_tasks():
        restriction.delete()
    assert found("独龙江") == [article.pk]


def test_deleting_a_channel_removes_its_articles(portal_site, index_tasks):
    with index_tasks():
        article = make_article(portal_site.channels[1], title="普洱市茶山党建", revision=True)
    assert found("普洱") == [article.pk]
    with index_tasks():
        portal_site.channels[1].delete()
    assert found("普洱") == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_only_queues_the_update(portal_site, settings):
    """In the editor's request the index is not touched: a task is queued for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    article = make_article(portal_site.channels[0], title="西双版纳州召开会议", revision=True)
    assert found("西双版纳") == []
    queued = DBTaskResult.objects.filter(task_path="dangjian.search.tasks.index_pages")
    assert [task.args_kwargs["args"] for task in queued] == [[[article.pk]]]
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert found("西双版纳") == [article.pk]


def test_dictionary_change_queues_a_rebuild(portal_site, index_tasks):
    with index_tasks():
        make_article(portal_site.channels[0], title="红色物业进小区", revision=True)
        make_article(portal_site.channels[0], title="红色旅游带动物业升级", revision=True)
    assert len(found("红色物业")) == 2
    with index_tasks():
        SearchWord.objects.create(word="红色物业")
    assert len(found("红色物业")) == 1
    with index_tasks():
        SearchWord.objects.all().delete()
    assert len(found("红色物业")) == 2


def test_reindex_command_rebuilds_with_a_progress_bar(search_archive):
    SearchDocument.objects.all().delete()
    assert found("凤庆") == []
    out, err = io.StringIO(), io.StringIO()
    call_command("reindex", stdout=out, stderr=err)
    assert len(found("凤庆")) == 4
    assert "14/14" in err.getvalue()  # tqdm writes the bar to stderr
    assert "14" in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rebuild_in_several_processes_gives_the_same_index(search_archive):
    from dangjian.search.services import search_index_rebuild

    expected = {query: found(query) for query in ["凤庆", "党", "茶叶 产业", "5g"]}
    SearchDocument.objects.all().delete()
    assert search_index_rebuild(batch_size=3, processes=3) == 14
    assert {query: found(query) for query in expected} == expected
