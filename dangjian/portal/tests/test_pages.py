from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.banners.models import Banner
from dangjian.portal.models import ArticlePage

from .fixtures import make_article, make_image

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)  # warm Wagtail's site cache, as any running site has it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_article_page_shows_every_reference_element_in_order(client, portal_site):
    channel = portal_site.channels[0]
    Banner.objects.create(name="横幅", position=Banner.Position.ARTICLE_BOTTOM, image=make_image("横幅", (1200, 200)),
                          alt_text="横幅说明", starts_at=timezone.now() - dt.timedelta(hours=1))
    article = make_article(
        channel, cover_image=make_image(), initial_views=223254,
        byline_organization="凤栖县委组织部", byline_author="李建国", responsible_editor="王编辑",
    )
    html = client.get(f"/a/{article.pk}/").content.decode()
    local = article.first_published_at.astimezone(ZoneInfo("Asia/Shanghai"))
    expected_in_order = [
        "测试党建网",                     # site name
        "测试用的一句话简介",               # one-line description
        'href="/jcdj/">基层党建</a>',      # channel as breadcrumb
        f"<h1>{article.title}</h1>",
        "浏览 <span data-views>223254</span> 次",
        f"发布时间 <time datetime=\"{local.isoformat()}\">{local:%Y-%m-%d %H:%M}</time>",
        "基层党组织是党全部工作和战斗力的基础",  # body
        "凤栖县委组织部",                  # byline organization
        "李建国",                          # byline author
        "tousu@example.com",               # copyright notice with complaint address
        "3 日内",                          # and deadline
        "保存到手机",                      # save to phone / share
        'class="banner-slot banner-article_bottom"',
        "用户登录",                        # login box
        'id="login-phone"',
        "频道合作",                        # channel cooperation
        "京ICP备12345678号-1",             # footer filings
        "京公网安备11010502030143号",
    ]
    position, previous = 0, "the start"
    for needle in expected_in_order:
        found = html.find(needle, position)
        assert found != -1, f"{needle!r} is not after {previous!r}"
        position, previous = found + len(needle), needle
    assert 'href="https://beian.miit.gov.cn/"' in html
    assert f'<link rel="canonical" href="http://localhost/a/{article.pk}/">' in html
    assert 'property="og:image" content="http://localhost/media/images/' in html
    assert 'property="og:title"' in html and 'property="og:description"' in html


def test_repost_shows_its_source(client, portal_site):
    article = make_article(
        portal_site.channels[0], source_type="repost", source_name="云台县融媒体中心",
        original_author="赵原作", original_title="原来的标题", source_url="https://example.com/x",
    )
    html = client.get(f"/a/{article.pk}/").content.decode()
    for text in ["转载来源", "云台县融媒体中心", "赵原作", "原来的标题", "转载"]:
        assert text in html


def test_home_lists_headlines_channels_and_boxes(client, portal_site):
    first, second = portal_site.channels
    headline = make_article(first, is_headline=True, title="头条文章标题")
    other = make_article(second, title="乡村振兴栏目文章")
    html = client.get("/").content.decode()
    assert "头条文章标题" in html and "乡村振兴栏目文章" in html
    assert f'href="/a/{headline.pk}/"' in html and f'href="/a/{other.pk}/"' in html
    assert "热点排行" in html and "用户登录" in html and "频道合作" in html
    assert "京ICP备12345678号-1" in html


def test_channel_lists_newest_first_and_paginates(client, portal_site):
    channel = portal_site.channels[0]
    articles = [make_article(channel) for _ in range(25)]  # each older than the last
    html = client.get("/jcdj/").content.decode()
    ids = [int(x) for x in re.findall(r'class="title" href="/a/(\d+)/"', html)]
    assert ids == [a.pk for a in articles[:20]]
    assert "第 1 / 2 页" in html
    page2 = client.get("/jcdj/?page=2").content.decode()
    assert re.findall(r'class="title" href="/a/(\d+)/"', page2) == [str(a.pk) for a in articles[20:]]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "9" * 40, "1.5", "%00", "二"])
def test_bad_page_numbers_never_fail(client, portal_site, page):
    make_article(portal_site.channels[0])
    response = client.get("/jcdj/", {"page": page})
    assert response.status_code == 200


def test_unknown_urls_get_the_chinese_404(client, portal_site):
    for url in ["/no-such-page/", "/a/999999/", "/jcdj/no-such-article/", "/a/abc/", "/中文路径/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "您访问的页面不存在" in response.content.decode()


def test_unpublished_article_is_404_for_readers_and_absent_from_lists(client, portal_site):
    channel = portal_site.channels[0]
    draft = make_article(channel, publish=False, title="尚未发布的草稿")
    assert client.get(f"/a/{draft.pk}/").status_code == 404
    assert "尚未发布的草稿" not in client.get("/").content.decode()
    assert "尚未发布的草稿" not in client.get("/jcdj/").content.decode()
    published = make_article(channel)
    published.unpublish()
    assert client.get(f"/a/{published.pk}/").status_code == 404


def test_article_url_is_stable_when_title_slug_or_channel_changes(client, portal_site):
    first, second = portal_site.channels
    article = make_article(first, revision=True)
    url = f"/a/{article.pk}/"
    assert article.url == url
    article.title = "改过的标题"
    article.slug = "renamed"
    article.save_revision().publish()
    article.move(second, pos="last-child")
    article = ArticlePage.objects.get(pk=article.pk)
    assert article.url == url
    assert "改过的标题" in client.get(url).content.decode()
    # The tree path still works, but sends readers to the stable URL.
    response = client.get("/xczx/renamed/")
    assert response.status_code == 301 and response["Location"] == url


def test_server_error_page_is_chinese_and_needs_no_database(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器暂时出现问题" in response.content.decode()


def test_robots_txt_points_at_the_sitemap(client, portal_site):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body and "Disallow: /admin/" in body


@pytest.mark.parametrize("url", ["/", "/jcdj/", "ARTICLE"])
def test_query_count_does_not_grow_with_the_archive(client, portal_site, url):
    channel = portal_site.channels[0]
    cover = make_image()
    articles = [make_article(channel, cover_image=cover, is_headline=n % 2 == 0) for n in range(10)]
    for _ in range(3):
        make_article(portal_site.channels[1], cover_image=cover)
    target = f"/a/{articles[5].pk}/" if url == "ARTICLE" else url
    small = count_queries(client, target)
    for n in range(490):
        make_article(channel if n % 2 else portal_site.channels[1], cover_image=cover if n % 3 else None,
                     is_headline=n % 7 == 0, tags=None)
    assert ArticlePage.objects.live().count() == 503
    large = count_queries(client, target)
    print(f"{url}: {small} queries")
    assert large == small
    assert small <= 21  # one of them: the channel ids, so the channels are not found by walking every page


def test_article_lists_walk_the_newest_first_index_instead_of_sorting(portal_site):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner picks by table statistics; the plan is checked on SQLite")
    channel = portal_site.channels[0]
    for _ in range(30):
        make_article(channel)
    plan = ArticlePage.objects.live().child_of(channel).listing()[:20].explain()
    assert "portal_page_newest_idx" in plan and "TEMP B-TREE" not in plan, plan


def test_view_restrictions_apply_at_the_stable_url(client, portal_site, django_user_model):
    from wagtail.models import PageViewRestriction

    protected = make_article(portal_site.channels[0], title="只给密码持有人看的文章")
    PageViewRestriction.objects.create(page=protected, restriction_type="password", password="secret")
    members_only = make_article(portal_site.channels[0], title="只给登录用户看的文章")
    PageViewRestriction.objects.create(page=members_only, restriction_type="login")
    html = client.get(protected.url).content.decode()
    assert 'type="password"' in html
    assert "基层党组织是党全部工作和战斗力的基础" not in html  # the body stays hidden
    response = client.get(members_only.url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert protected.title not in client.get("/jcdj/").content.decode()
