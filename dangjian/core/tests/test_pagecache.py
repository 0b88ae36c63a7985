"""The full-page cache: what it stores, what it never stores, and every event that purges it."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from django.conf import settings
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from dangjian.core.middleware import page_cache
from dangjian.core.pagecache import PageCache
from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.testing.wsgi import wsgi_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(portal_site):
    return make_article(portal_site.channels[0], revision=True, title="缓存测试文章")


def test_second_anonymous_read_is_a_hit_with_no_query_and_no_template(article):
    status, headers, first = wsgi_request(article.url)
    assert status == "200 OK" and headers["X-Page-Cache"] == "MISS"
    rendered = []
    template_rendered.connect(lambda **kw: rendered.append(kw), weak=False, dispatch_uid="count")
    try:
        with CaptureQueriesContext(connection) as queries:
            status, headers, second = wsgi_request(article.url)
    finally:
        template_rendered.disconnect(dispatch_uid="count")
    assert status == "200 OK" and headers["X-Page-Cache"] == "HIT"
    assert len(queries) == 0 and rendered == []
    assert second == first and "缓存测试文章" in second.decode()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "SAMEORIGIN"
    status, headers, body = wsgi_request(article.url, method="HEAD")
    assert status == "200 OK" and body == b"" and headers["X-Page-Cache"] == "HIT"


def test_conditional_requests_get_304(article):
    status, headers, _ = wsgi_request(article.url)
    assert headers["X-Page-Cache"] == "MISS" and "ETag" in headers
    page_cache().purge_all()  # the next answer comes from Django again
    assert wsgi_request(article.url, if_none_match=headers["ETag"])[0] == "304 Not Modified"
    _, headers, _ = wsgi_request(article.url)
    assert wsgi_request(article.url, if_none_match=headers["ETag"])[0] == "304 Not Modified"
    assert wsgi_request(article.url, if_none_match='"other"')[0] == "200 OK"
    assert wsgi_request(article.url, if_modified_since=headers["Last-Modified"])[0] == "304 Not Modified"
    assert wsgi_request(article.url, if_modified_since=formatdate(0, usegmt=True))[0] == "200 OK"
    assert wsgi_request(article.url, if_modified_since="not a date")[0] == "200 OK"


def test_feeds_sitemap_and_robots_are_cached_with_their_types(article):
    for url, content_type in [
        ("/feed/", "application/rss+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ]:
        assert wsgi_request(url)[1]["X-Page-Cache"] == "MISS"
        status, headers, _ = wsgi_request(url)
        assert headers["X-Page-Cache"] == "HIT" and headers["Content-Type"] == content_type, url


def test_logged_in_readers_never_get_or_make_cached_pages(client, article, django_user_model):
    wsgi_request(article.url)  # an anonymous reader fills the cache
    user = django_user_model.objects.create_superuser(username="ed", password="x-Passw0rd-long")
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, headers, _ = wsgi_request(article.url, cookie=cookie)
    assert status == "200 OK" and "X-Page-Cache" not in headers
    page_cache().purge_all()
    wsgi_request("/", cookie=cookie)
    assert page_cache().lookup("localhost", "/") is None


def test_query_strings_previews_errors_and_forms_are_not_cached(client, article, django_user_model, portal_site):
    wsgi_request("/jcdj/", query="page=2")
    assert page_cache().lookup("localhost", "/jcdj/") is None
    assert wsgi_request("/no-such-page/")[0].startswith("404")
    assert page_cache().lookup("localhost", "/no-such-page/") is None
    # A password-protected page answers a form with a CSRF token: never cached.
    protected = make_article(portal_site.channels[0], title="密码保护")
    PageViewRestriction.objects.create(page=protected, restriction_type="password", password="secret")
    status, headers, body = wsgi_request(protected.url)
    assert status == "200 OK" and "csrfmiddlewaretoken" in body.decode()
    assert page_cache().lookup("localhost", protected.url) is None
    # Previews live under /admin/ and answer only logged-in editors.
    user = django_user_model.objects.create_superuser(username="ed", password="x-Passw0rd-long")
    client.force_login(user)
    client.get(reverse("wagtailadmin_pages:view_draft", args=(article.pk,)))
    assert not any(p.name == "view_draft" for p in settings.PAGE_CACHE_DIR.rglob("*"))


def test_a_render_that_began_before_a_purge_is_not_stored(tmp_path):
    cache = PageCache(tmp_path / "pages")
    before = cache.generation()
    cache.purge_all()
    assert not cache.store("localhost", "/a/1/", b"old", "text/html", before)
    assert cache.store("localhost", "/a/1/", b"new", "text/html", cache.generation())
    assert cache.lookup("localhost", "/a/1/")[0].read_bytes() == b"new"


@pytest.mark.parametrize(
    "host, path",
    [("localhost", "/../etc/passwd"), ("localhost", "/a/../../x/"), ("localhost", "/.hidden/"), ("a/b", "/"),
     ("localhost", "/中文/"), ("..", "/"), ("localhost", "/a//b/"), ("localhost", "relative/"), ("localhost", "/a\\b/")],
)
def test_hostile_paths_have_no_cache_file(tmp_path, host, path):
    assert PageCache(tmp_path).candidates(host, path) == []


def cached(url: str) -> bool:
    return page_cache().lookup("localhost", url) is not None


def warm(*urls: str) -> None:
    for url in urls:
        wsgi_request(url)
        assert cached(url), url


def test_publishing_purges_home_channel_feeds_and_sitemap(article, portal_site, django_capture_on_commit_callbacks):
    warm("/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", article.url)
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(portal_site.channels[0], revision=True, title="刚刚发布的新文章")
    for url in ("/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", article.url):
        assert not cached(url), url
    assert "刚刚发布的新文章" in wsgi_request("/")[2].decode()
    assert "刚刚发布的新文章" in wsgi_request("/jcdj/")[2].decode()
    assert f"/a/{new.pk}/" in wsgi_request("/sitemap.xml")[2].decode()


def test_unpublishing_and_deleting_purge(article, portal_site, django_capture_on_commit_callbacks):
    warm("/", article.url)
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert wsgi_request(article.url)[0].startswith("404")
    assert "缓存测试文章" not in wsgi_request("/")[2].decode()
    other = make_article(portal_site.channels[0], revision=True, title="将被删除的文章")
    warm("/", other.url)
    with django_capture_on_commit_callbacks(execute=True):
        other.delete()
    assert wsgi_request(other.url)[0].startswith("404")
    assert "将被删除的文章" not in wsgi_request("/")[2].decode()


def test_moving_an_article_purges(article, portal_site, django_capture_on_commit_callbacks):
    warm("/jcdj/", "/xczx/")
    with django_capture_on_commit_callbacks(execute=True):
        article.move(portal_site.channels[1], pos="last-child")
    assert "缓存测试文章" not in wsgi_request("/jcdj/")[2].decode()
    assert "缓存测试文章" in wsgi_request("/xczx/")[2].decode()


def test_settings_and_image_changes_purge(article, portal_site, django_capture_on_commit_callbacks):
    warm("/", article.url)
    with django_capture_on_commit_callbacks(execute=True):
        portal_site.settings.site_name = "改名后的党建网"
        portal_site.settings.save()
    assert "改名后的党建网" in wsgi_request(article.url)[2].decode()
    warm("/")
    with django_capture_on_commit_callbacks(execute=True):
        make_image("新封面")
    assert not cached("/")


def test_restricting_a_page_purges_it(article, portal_site, django_capture_on_commit_callbacks):
    warm(article.url)
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=article, restriction_type="password", password="secret")
    assert not cached(article.url)
    assert "csrfmiddlewaretoken" in wsgi_request(article.url)[2].decode()
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert "缓存测试文章" in wsgi_request(article.url)[2].decode()


def test_the_header_channels_follow_every_purge_and_cost_no_query_between(
    article, portal_site, django_capture_on_commit_callbacks
):
    def header(url):
        """The header's menu and the number of queries that read channels."""
        with CaptureQueriesContext(connection) as queries:
            body = wsgi_request(url, query="page=1")[2].decode()  # not cached: rendered each time
        menu = body.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
        return menu, sum("portal_channelpage" in query["sql"] for query in queries)

    menu, first = header("/jcdj/")
    menu, second = header("/jcdj/")
    assert "乡村振兴" in menu and "基层党建" in menu and second < first
    with django_capture_on_commit_callbacks(execute=True):
        portal_site.channels[1].unpublish()
    assert "乡村振兴" not in header("/jcdj/")[0]
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=portal_site.channels[0], restriction_type=PageViewRestriction.LOGIN)
    assert "基层党建" not in header("/")[0]


def test_publishing_in_the_admin_purges(client, article, django_user_model, django_capture_on_commit_callbacks):
    warm("/", article.url)
    client.force_login(django_user_model.objects.create_superuser(username="ed", password="x-Passw0rd-long"))
    data = client.get(reverse("wagtailadmin_pages:edit", args=(article.pk,)))
    assert data.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "后台改过的标题"
        article.save_revision(user=None).publish()
    assert "后台改过的标题" in wsgi_request(article.url)[2].decode()


@pytest.mark.parametrize(
    "query, cacheable",
    [("", True), ("from=singlemessage&isappinstalled=0", True), ("from=timeline", True),
     ("utm_source=wechat&utm_medium=share", True), ("page=2", False), ("from=x&page=2", False),
     ("from=a/b", False), ("isappinstalled=0&", True), ("x", False), ("from", False)],
)
def test_shared_links_with_tracking_parameters_still_hit(article, query, cacheable):
    wsgi_request(article.url)
    headers = wsgi_request(article.url, query=query)[1]
    assert (headers.get("X-Page-Cache") == "HIT") is cacheable
