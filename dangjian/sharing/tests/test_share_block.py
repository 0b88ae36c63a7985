"""The "save to phone / share" block and the share cards, in the page and in Chromium."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.testing.axe import axe_violations
from dangjian.testing.qr import qr_read

PHONE = {"width": 390, "height": 844}
WECHAT = ("Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 "
          "XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MicroMessenger/8.0.28.2240(0x28001C35) WeChat/arm64 Weixin")


def og(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', html))


@pytest.mark.django_db
def test_every_page_has_a_share_card_and_articles_a_qr_code(client, portal_site):
    portal_site.settings.share_image = make_image("分享图", (800, 800))
    portal_site.settings.save()
    channel = portal_site.channels[0]
    with_cover = make_article(channel, title="有封面的文章", summary="摘要一句。", cover_image=make_image("封面", (1200, 800)))
    without = make_article(channel, title="没有封面的文章")
    card = og(client.get(f"/a/{with_cover.pk}/").content.decode())
    assert card["og:title"] == "有封面的文章" and card["og:description"] == "摘要一句。" and card["og:type"] == "article"
    assert card["og:url"] == f"http://localhost/a/{with_cover.pk}/" and "封面" not in card["og:image"]
    assert card["og:image"].startswith("http://localhost/media/images/") and int(card["og:image:height"]) >= 300
    plain = client.get(f"/a/{without.pk}/").content.decode()
    assert og(plain)["og:image"] != card["og:image"] and int(og(plain)["og:image:width"]) >= 300
    for path in ("/", channel.url):
        page = og(client.get(path).content.decode())
        assert {"og:title", "og:description", "og:image", "og:url"} <= set(page) and page["og:url"] == "http://localhost" + path
    assert re.search(r'<svg [^>]*class="share-qr-code"', plain) and f'href="/a/{without.pk}/poster.png"' in plain
    assert re.search(r'<button type="button" class="share-copy" hidden>', plain)


def read_share_block(chromium, base_url, article_id, *, javascript=True, user_agent=None, web_share=False):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=javascript, user_agent=user_agent,
                                   bypass_csp=True, has_touch=True, is_mobile=True)
    if web_share:
        context.add_init_script("navigator.share = (data) => { window.__shared = data.url; return Promise.resolve(); };")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base_url}/a/{article_id}/")
    block = page.locator(".share")
    block.scroll_into_view_if_needed()
    seen = {"visible": [name for name, selector in (("native", ".share-native"), ("copy", ".share-copy"), ("poster", ".share-poster"),
                                                    ("wechat", ".share-wechat"), ("link", ".share-link a"))
                        if page.locator(selector).is_visible()]}
    seen["qr"] = qr_read(Image.open(io.BytesIO(page.locator(".share-qr svg").screenshot())))
    if javascript:
        seen["axe"] = axe_violations(page, ".share")
        if web_share:
            page.locator(".share-native").click()
            seen["shared"] = page.evaluate("window.__shared")
        page.locator(".share-copy").click()
        seen["status"] = page.locator(".share-status").filter(has_text=re.compile(r"\S")).inner_text()
        page.locator(".share-poster").click()
        view = page.get_by_role("dialog")
        seen["dialog"] = view.inner_text()
        seen["poster_width"] = view.locator("img").evaluate("(img) => img.decode().then(() => img.naturalWidth)")
        view.get_by_role("button", name="关闭").click()
        seen["closed"] = page.get_by_role("dialog").count() == 0
    else:
        with page.expect_navigation():
            page.locator(".share-poster").click()
        seen["poster_type"] = page.evaluate("document.contentType")
    context.close()
    seen["errors"] = errors
    return seen


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_visible_control_of_the_share_block_works(browser, live_server, portal_site, settings):
    settings.ALLOWED_HOSTS = ["*"]
    article = make_article(portal_site.channels[0], revision=True, title="党员志愿服务队走进养老院")
    url = f"http://localhost/a/{article.pk}/"
    plain = browser.run(read_share_block, live_server.url, article.pk)
    assert plain["visible"] == ["copy", "poster", "link"] and plain["qr"] == [url]
    assert plain["axe"] == [] and "复制" in plain["status"] and plain["errors"] == []
    assert "长按图片保存或发送给朋友" in plain["dialog"] and plain["poster_width"] == 750 and plain["closed"]
    shared = browser.run(read_share_block, live_server.url, article.pk, web_share=True)
    assert shared["visible"] == ["native", "copy", "poster", "link"] and shared["shared"] == url
    wechat = browser.run(read_share_block, live_server.url, article.pk, user_agent=WECHAT)
    assert wechat["visible"] == ["copy", "poster", "wechat", "link"] and wechat["axe"] == []
    no_script = browser.run(read_share_block, live_server.url, article.pk, javascript=False)
    assert no_script["visible"] == ["poster", "link"] and no_script["poster_type"] == "image/png"
