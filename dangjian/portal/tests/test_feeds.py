import feedparser
import pytest

from .fixtures import make_article

pytestmark = pytest.mark.django_db


def test_site_and_channel_feeds_parse_and_hold_the_newest_articles(client, portal_site):
    first, second = portal_site.channels
    a = make_article(first, title="甲栏目文章 <带尖括号> & 符号")
    b = make_article(second, title="乙栏目文章")
    make_article(first, publish=False, title="草稿不该出现")

    site_feed = feedparser.parse(client.get("/feed/").content)
    assert not site_feed.bozo, site_feed.get("bozo_exception")
    assert site_feed.feed.title == "测试党建网"
    assert [e.title for e in site_feed.entries] == [a.title, b.title]
    assert site_feed.entries[0].link == f"http://localhost/a/{a.pk}/"

    channel_feed = feedparser.parse(client.get("/jcdj/feed/").content)
    assert not channel_feed.bozo, channel_feed.get("bozo_exception")
    assert channel_feed.feed.title == "基层党建 - 测试党建网"
    assert [e.title for e in channel_feed.entries] == [a.title]


def test_sitemap_lists_every_published_article_and_no_draft(client, portal_site):
    published = [make_article(c) for c in portal_site.channels for _ in range(3)]
    draft = make_article(portal_site.channels[0], publish=False)
    unpublished = make_article(portal_site.channels[0])
    unpublished.unpublish()
    body = client.get("/sitemap.xml").content.decode()
    for article in published:
        assert f"<loc>http://localhost/a/{article.pk}/</loc>" in body
    assert f"/a/{draft.pk}/" not in body
    assert f"/a/{unpublished.pk}/" not in body
    assert "<loc>http://localhost/jcdj/</loc>" in body


def test_feeds_survive_control_characters_and_emoji_in_titles(client, portal_site):
    make_article(portal_site.channels[0], title="从Word粘贴的标题\x0b带控制字符\x01和表情😀", summary="摘要\x08")
    for url in ("/feed/", "/jcdj/feed/"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries[0].title == "从Word粘贴的标题带控制字符和表情😀"


def test_editors_cannot_store_control_characters(portal_site):
    article = make_article(portal_site.channels[0], title="标题\x0b里有\x1f控制字符")
    article.full_clean()
    assert article.title == "标题里有控制字符"
