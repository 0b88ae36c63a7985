"""Content-Security-Policy: strict on every public page, rendered or from the page cache,
report-only on the admin; and in Chromium the public pages break none of it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from dangjian.demo.services import demo_cities_ensure, demo_content_load
from dangjian.portal.models import ArticlePage, ChannelPage
from dangjian.testing.wsgi import wsgi_request

STRICT = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'", "object-src": "'none'",
          "base-uri": "'self'", "frame-ancestors": "'self'", "form-action": "'self'"}


def policy(header: str | None) -> dict[str, str]:
    """A policy header as {directive: sources} (django-csp does not keep their order)."""
    return dict(part.strip().split(" ", 1) for part in (header or "").split(";") if part.strip())


def public_pages() -> dict[str, str]:
    channel = ChannelPage.objects.live().filter(depth=3).first()
    article = ArticlePage.objects.live().first()
    return {"home": "/", "channel": channel.url, "article": article.url, "search": "/search/?q=%E5%85%9A%E5%BB%BA",
            "login": "/login/", "about city channels": "/city/about/"}


def test_the_policy_is_the_strict_one():
    from csp.utils import build_policy

    assert policy(build_policy()) == STRICT


@pytest.mark.django_db
def test_public_pages_carry_the_policy_rendered_and_from_the_page_cache():
    demo_content_load(article_count=4, progress=False)
    for name, url in public_pages().items():
        path, _, query = url.partition("?")
        first = wsgi_request(path, query=query)
        assert policy(first[1].get("Content-Security-Policy")) == STRICT, name
        assert "Content-Security-Policy-Report-Only" not in first[1], name
        second = wsgi_request(path, query=query)
        assert policy(second[1].get("Content-Security-Policy")) == STRICT, name
        if name in ("home", "channel", "article"):
            assert second[1]["X-Page-Cache"] == "HIT", name  # the fast path's own headers


@pytest.mark.django_db
def test_contribution_pages_and_the_admin():
    from dangjian.contributions.tests.fixtures import make_user

    client = Client()
    client.force_login(make_user("contributor"))
    for url in ("/contribute/", "/contribute/new/", "/me/"):
        response = client.get(url)
        assert response.status_code == 200 and policy(response["Content-Security-Policy"]) == STRICT, url
    client.force_login(get_superuser())
    admin = client.get("/admin/")
    assert "Content-Security-Policy" not in admin
    assert policy(admin["Content-Security-Policy-Report-Only"]) == STRICT


@pytest.mark.django_db
def test_the_admin_loads_nothing_from_another_host():
    import re

    client = Client()
    user = get_superuser()
    user.email = "editor@example.cn"  # Wagtail would ask gravatar.com for this address's avatar
    user.save()
    client.force_login(user)
    for url in ("/admin/", "/admin/pages/", "/admin/account/", "/admin/users/"):
        html = client.get(url).content.decode()
        # What the browser fetches by itself: images, scripts, stylesheets (links may lead out).
        outside = re.findall(r'(?:src|srcset)="((?:https?:)?//[^"]+)"', html)
        outside += re.findall(r'<link[^>]+href="((?:https?:)?//[^"]+)"', html)
        assert not [link for link in outside if "testserver" not in link], (url, outside)
        assert "gravatar" not in html, url


def get_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("csp-admin", password="x-Long-password-1")


VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sourceFile || ""));
});
"""


def visit_and_collect_violations(chromium, base_url: str, urls: list[str], cookie: dict | None) -> dict[str, list[str]]:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    if cookie:
        context.add_cookies([cookie])
    context.add_init_script(VIOLATIONS)
    found = {}
    for url in urls:
        page = context.new_page()
        console = []
        page.on("console", lambda message, console=console: "Content Security Policy" in message.text and console.append(message.text))
        page.goto(base_url + url)
        page.wait_for_load_state("networkidle")
        found[url] = page.evaluate("window.__violations") + console
        page.close()
    context.close()
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_public_page_breaks_the_policy_in_chromium(browser, live_server):
    from dangjian.contributions.tests.fixtures import make_user

    demo_content_load(article_count=4, progress=False)
    demo_cities_ensure(count=1, password=None, articles_per_city=2, progress=False)
    urls = list(public_pages().values()) + ["/city/"]
    client = Client()
    client.force_login(make_user("contributor"))
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}
    anonymous = browser.run(visit_and_collect_violations, live_server.url, urls, None)
    contributor = browser.run(visit_and_collect_violations, live_server.url, ["/contribute/", "/contribute/new/", "/me/"], cookie)
    assert {url: v for url, v in {**anonymous, **contributor}.items() if v} == {}
