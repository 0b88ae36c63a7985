"""The share poster: Chinese line breaking, the font, the file, the code on it, and who gets one."""

from __future__ import annotations

import io
import os

from django.conf import settings
from django.core.files.storage import default_storage
from fontTools.ttLib import TTFont
from PIL import Image
from wagtail.models import PageViewRestriction

from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.sharing.poster import ELLIPSIS, HEIGHT, MARGIN, NO_LINE_END, NO_LINE_START, WIDTH, font, wrap
from dangjian.testing.qr import qr_read

TITLE = "坚持和加强党的全面领导，推动基层党组织建设高质量发展——凤庆县“红色物业”“党建+茶产业”经验（2026年）：做法、成效与启示！"
LONG = "学习贯彻习近平新时代中国特色社会主义思想，" * 4  # 88 characters


def test_lines_never_start_with_a_closing_mark_nor_end_with_an_opening_one():
    face = font(46)
    for text in (TITLE, LONG, "，。、；：？！）》」" * 10, "党建" + "“" * 30 + "引领", "Party building goes digital 数字党建平台上线，" * 3):
        lines = wrap(text, face, WIDTH - 2 * MARGIN, 3)
        assert 1 <= len(lines) <= 3
        for line in lines[1:]:
            assert line[0] not in NO_LINE_START, lines
        for line in lines[:-1]:
            assert line[-1] not in NO_LINE_END, lines
    lines = wrap(LONG, face, WIDTH - 2 * MARGIN, 3)
    assert len(lines) == 3 and lines[-1].endswith(ELLIPSIS)
    assert all(face.getlength(line) <= WIDTH - 2 * MARGIN + face.getlength("。") for line in lines)
    english = wrap("Party building goes digital with a new learning platform for members", font(46), 300, 5)
    assert all(not line.startswith(("ilding", "gital", "arning")) for line in english)  # words stay whole
    assert wrap("短标题", face, 654, 3) == ["短标题"]


def test_the_poster_font_has_every_character_of_a_title():
    collection = TTFont(settings.POSTER_FONT, fontNumber=settings.POSTER_FONT_INDEX)
    cmap = collection.getBestCmap()
    assert all(ord(char) in cmap for char in TITLE + LONG + "扫码阅读全文长按识别二维码…"), \
        [char for char in TITLE if ord(char) not in cmap]


def poster_of(client, article, **extra):
    response = client.get(f"/a/{article.pk}/poster.png", **extra)
    assert response.status_code == 302, response.status_code
    return response, response["Location"]


def test_a_poster_is_drawn_once_per_revision_with_the_articles_code(client, portal_site, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.POSTER_LIMITS = "2/60"
    article = make_article(portal_site.channels[0], revision=True, title=TITLE, cover_image=make_image("封面", (1200, 800)))
    response, location = poster_of(client, article)
    assert location.startswith(settings.MEDIA_URL + "posters/")
    name = location[len(settings.MEDIA_URL):]
    drawn = default_storage.path(name)
    picture = Image.open(io.BytesIO(b"".join(client.get(location).streaming_content)))
    assert picture.format == "PNG" and picture.size == (WIDTH, HEIGHT)
    assert qr_read(picture) == [f"http://localhost/a/{article.pk}/"]
    # The second time it is the same file, not drawn again (nor counted against the limit).
    stamp = os.stat(drawn).st_mtime_ns
    for _ in range(3):
        assert poster_of(client, article)[1] == location
    assert os.stat(drawn).st_mtime_ns == stamp
    # A new revision gets a new poster; the old file goes.
    article.title = "标题改了"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert not os.path.exists(drawn)
    assert poster_of(client, article)[1] != location


def test_who_gets_no_poster(client, portal_site, settings):
    channel = portal_site.channels[0]
    draft = make_article(channel, publish=False, revision=True)
    private = make_article(channel)
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    unpublished = make_article(channel, revision=True)
    unpublished.unpublish()
    for page_id in (draft.pk, private.pk, unpublished.pk, channel.pk, 987654, 2**63):
        assert client.get(f"/a/{page_id}/poster.png").status_code == 404, page_id


def test_drawing_is_limited_per_network(client, portal_site, settings):
    settings.POSTER_LIMITS = "2/60"
    articles = [make_article(portal_site.channels[0]) for _ in range(3)]
    assert [client.get(f"/a/{a.pk}/poster.png", REMOTE_ADDR="2001:db8:1::1").status_code for a in articles[:2]] == [302, 302]
    refused = client.get(f"/a/{articles[2].pk}/poster.png", REMOTE_ADDR="2001:db8:1:0:ffff::9")  # the same /64
    assert refused.status_code == 429 and "海报" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert client.get(f"/a/{articles[0].pk}/poster.png", REMOTE_ADDR="2001:db8:1::2").status_code == 302  # drawn already
    assert client.get(f"/a/{articles[2].pk}/poster.png", REMOTE_ADDR="2001:db8:2::1").status_code == 302
