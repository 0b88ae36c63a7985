"""nh3 keeps the article's formatting and removes everything that can run; checked on the
HTML and, in Chromium, on what a browser makes of it, against the same vectors unsanitized."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from dangjian.contributions.sanitize import rich_text_from_html

from .injection import HOOK_DIALOGS, frames_report
from .xss_vectors import VECTORS

SAFE_HREF = re.compile(r"^(https?://|mailto:)", re.I)


class Tags(HTMLParser):
    """Every tag and attribute in a piece of HTML (text, escaped or not, is not markup)."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, list]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def vector(n: int) -> str:
    return VECTORS[n].replace("X", str(n + 1))


@pytest.mark.parametrize("n", range(len(VECTORS)))
def test_nothing_that_can_run_survives(n):
    cleaned = rich_text_from_html(vector(n))
    for tag, attrs in Tags(cleaned).found:
        assert tag in {"p", "br", "h2", "h3", "h4", "b", "i", "ol", "ul", "li", "a", "hr", "blockquote"}, cleaned
        for name, value in attrs:
            assert (tag, name) in {("a", "href"), ("a", "rel")}, cleaned
            assert name != "href" or SAFE_HREF.match(value), cleaned


def test_formatting_is_kept_in_wagtail_format():
    html = (
        "<h2>一、背景</h2><p><strong>加粗</strong>和<em>斜体</em><br>换行</p>"
        "<ul><li>第一条</li></ul><ol><li>一</li></ol><blockquote>引文</blockquote><hr>"
        '<p><a href="https://example.com/a?b=1" onclick="x()">链接</a> <a href="mailto:a@example.com">邮件</a></p>'
        "<h1>大标题</h1><p style='color:red'><span>正文</span><font>字</font></p>"
    )
    assert rich_text_from_html(html) == (
        "<h2>一、背景</h2><p><b>加粗</b>和<i>斜体</i><br>换行</p>"
        "<ul><li>第一条</li></ul><ol><li>一</li></ol><blockquote>引文</blockquote><hr>"
        '<p><a href="https://example.com/a?b=1" rel="nofollow noopener noreferrer">链接</a> '
        '<a href="mailto:a@example.com" rel="nofollow noopener noreferrer">邮件</a></p>'
        "大标题<p>正文字</p>"
    )


def _fired(chromium, bodies: list[str]) -> tuple[set[str], list[str]]:
    """Each body in a frame of its own, watched as injection.frames_report says."""
    page = chromium.new_page()
    page.add_init_script(HOOK_DIALOGS)
    documents = {
        f"http://article.test/{n}": f"<!DOCTYPE html><html><head><meta charset=utf-8></head><body>{body}</body></html>"
        for n, body in enumerate(bodies)
    }
    frames = "".join(f'<iframe src="{url}"></iframe>' for url in documents)
    documents["http://article.test/"] = f"<!DOCTYPE html><html><body>{frames}</body></html>"

    def answer(route):
        if route.request.url in documents:
            route.fulfill(status=200, content_type="text/html", body=documents[route.request.url])
        else:
            route.abort()  # nothing leaves the test; clicked links go nowhere

    page.route("**/*", answer)
    page.goto("http://article.test/")
    result = frames_report(page, dom_selector="*", click_selector="body *")
    page.close()
    return result


def test_vectors_run_unsanitized_and_not_sanitized_in_chromium(browser):
    raw = [vector(n) for n in range(len(VECTORS))]
    fired, _dom = browser.run(_fired, raw)
    print(f"{len(fired)} of {len(raw)} vectors ran unsanitized")
    assert len(fired) >= 50, sorted(fired, key=int)  # the control: most of them do run
    fired, dom_problems = browser.run(_fired, [rich_text_from_html(html) for html in raw])
    assert (fired, dom_problems) == (set(), [])
