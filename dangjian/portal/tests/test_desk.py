"""The editors' day in the admin: the dashboard's 写文章 and lists, a new article ready to
type in, and the primary button that moves an article on."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from dangjian.accounts.roles import FINAL_REVIEW, FIRST_REVIEW
from dangjian.cities.models import CityRole
from dangjian.cities.tests.fixtures import city_staff, make_city
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def write_links(html: str) -> list[str]:
    return re.findall(r'<a class="button[^"]*" href="/admin/pages/add/portal/articlepage/\d+/">.*?写到 ([^<]+)</a>', html, re.S)


def test_the_dashboard_has_write_buttons_drafts_and_my_published_articles_with_views(client, portal_site, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    city = make_city(region_code="530900")
    editor = make_user("editor", FIRST_REVIEW)
    [channel, other] = portal_site.channels
    draft = make_article(channel, publish=False, owner=editor, title="还没写完的稿子")
    make_article(channel, owner=editor, title="我发的文章", initial_views=120)
    make_article(other, title="别人发的文章")
    in_review = make_article(channel, publish=False, revision=True, owner=editor, title="审核中的稿子")
    in_review.get_workflow().start(in_review, editor)

    html = dashboard(client, editor)
    # The national channels only: each city's columns are its staff's.
    assert write_links(html) == [c.title for c in portal_site.channels]
    writing = html.split('class="panel writing-panel"')[1].split("</section>")[0]
    assert f'href="/admin/pages/{draft.pk}/edit/">还没写完的稿子</a>' in writing and "审核中的稿子" not in writing  # in review, not a draft
    published = html.split("我最近发布的文章")[1]
    assert "我发的文章" in published and ">120</a>" in published and "别人发的文章" not in published

    staff = city_staff(city)[CityRole.FIRST_REVIEW]
    city_links = write_links(dashboard(client, staff))
    assert city_links and all(link.startswith(f"{city.title} · ") for link in city_links)
    assert "我的草稿" in dashboard(client, make_user("final", FINAL_REVIEW))
    assert write_links(dashboard(client, make_user("auditor", "审计员"))) == []


def test_a_new_article_opens_with_a_paragraph_and_the_first_tab_in_newsroom_order(client, portal_site):
    client.force_login(make_user("editor", FIRST_REVIEW))
    channel = portal_site.channels[0]
    html = client.get(reverse("wagtailadmin_pages:add", args=("portal", "articlepage", channel.pk))).content.decode()
    arguments = re.search(r'<div id="body" data-block[^>]*data-w-block-arguments-value="([^"]*)"', html).group(1)
    [blocks, *_rest] = json.loads(unescape(arguments))
    assert [block["type"] for block in blocks] == ["text"]  # one paragraph, ready to type in
    content_tab = html.split('class="w-tabs__panel"')[1]
    order = [content_tab.find(f'data-contentpath="{field}"') for field in
             ("title", "summary", "cover_image", "body", "source_type", "byline_author", "is_headline", "first_published_at")]
    assert -1 not in order and order == sorted(order), order
    assert 'data-contentpath="slug"' not in content_tab


def footer_primary(html: str) -> str:
    """The name of the footer's primary button."""
    footer = html.split('<footer class="footer')[1]
    return re.search(r'<button[^>]*name="([^"]+)"', footer).group(1)


def test_the_primary_button_publishes_for_publishers_and_submits_for_the_others(client, newsroom, portal_site):
    channel = portal_site.channels[0]
    add = reverse("wagtailadmin_pages:add", args=("portal", "articlepage", channel.pk))
    client.force_login(newsroom.first)
    assert footer_primary(client.get(add).content.decode()) == "action-submit"
    client.force_login(newsroom.final)
    assert footer_primary(client.get(add).content.decode()) == "action-publish"

    # Someone else's article that has not been through 三审: 发布 asks first.
    article = make_article(channel, publish=False, owner=newsroom.first, revision=True)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert 'data-confirm="这篇文章是别人写的，还没有经过三审。确定直接发布吗？"' in html
    assert "portal/js/admin" in html
    live = client.get(reverse("wagtailadmin_pages:edit", args=[make_article(channel).pk])).content.decode()
    assert re.search(r'class="page-status-tag[^"]*"[^>]*aria-label="所有人可见。查看线上页面"', live) and "查看线上页面\n" in live
    mine = make_article(channel, publish=False, owner=newsroom.final, revision=True)
    assert "data-confirm" not in client.get(reverse("wagtailadmin_pages:edit", args=[mine.pk])).content.decode()


def test_channels_in_the_page_explorer_open_their_articles_and_have_a_write_button(client, portal_site):
    client.force_login(make_user("editor", FIRST_REVIEW))
    [with_articles, empty] = portal_site.channels
    make_article(with_articles)
    listing = client.get(reverse("wagtailadmin_explore", args=[portal_site.home.pk])).content.decode()
    # A channel with articles opens its list, as a folder does; an empty one its editor.
    assert re.search(rf'<a href="/admin/pages/{with_articles.pk}/" title="查看下级页面">\s*<span id="page_{with_articles.pk}_title"', listing)
    assert re.search(rf'<a href="/admin/pages/{empty.pk}/edit/" title="[^"]*">\s*<span id="page_{empty.pk}_title"', listing)
    for channel in portal_site.channels:
        assert f'href="/admin/pages/add/portal/articlepage/{channel.pk}/"' in listing
    assert "写文章" in listing
    article = make_article(with_articles)
    assert "/admin/pages/add/portal/articlepage/" not in client.get(reverse("wagtailadmin_explore", args=[portal_site.channels[0].pk])).content.decode().split(
        f'href="/admin/pages/{article.pk}/edit/"')[1]  # an article row has none
