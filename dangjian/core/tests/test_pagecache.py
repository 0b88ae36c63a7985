"""The full-page cache: what it stores, what it never stores, and every event that purges it."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
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
from dangjian.portal.models import ArticlePage
from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.testing.pagecache import cached_file, stale_copy
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
    page_cache().remove_all()  # the next answer comes from Django again
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
    page_cache().remove_all()
    wsgi_request("/", cookie=cookie)
    assert cached_file(page_cache(), "localhost", "/") is None


def test_query_strings_previews_errors_and_forms_are_not_cached(client, article, django_user_model, portal_site):
    wsgi_request("/jcdj/", query="page=2")
    assert cached_file(page_cache(), "localhost", "/jcdj/") is None
    assert wsgi_request("/no-such-page/")[0].startswith("404")
    assert cached_file(page_cache(), "localhost", "/no-such-page/") is None
    # A password-protected page answers a form with a CSRF token: never cached.
    protected = make_article(portal_site.channels[0], title="密码保护")
    PageViewRestriction.objects.create(page=protected, restriction_type="password", password="secret")
    status, headers, body = wsgi_request(protected.url)
    assert status == "200 OK" and "csrfmiddlewaretoken" in body.decode()
    assert cached_file(page_cache(), "localhost", protected.url) is None
    # Previews live under /admin/ and answer only logged-in editors.
    user = django_user_model.objects.create_superuser(username="ed", password="x-Passw0rd-long")
    client.force_login(user)
    client.get(reverse("wagtailadmin_pages:view_draft", args=(article.pk,)))
    assert not any(p.name == "view_draft" for p in settings.PAGE_CACHE_DIR.rglob("*"))


def test_a_render_that_began_before_a_purge_is_not_stored(tmp_path):
    cache = PageCache(tmp_path / "pages")
    before = cache.generation()
    cache.new_generation()
    assert not cache.store("localhost", "/a/1/", b"old", "text/html", before)
    assert cache.store("localhost", "/a/1/", b"new", "text/html", cache.generation())
    assert cached_file(cache, "localhost", "/a/1/")[0].read_bytes() == b"new"


def test_every_page_stale_at_once_is_dated_by_the_purge(tmp_path):
    cache = PageCache(tmp_path / "pages", stale_seconds=30)
    assert cache.store("localhost", "/a/1/", b"old", "text/html", cache.generation())
    long_ago = time.time() - 3600
    os.utime(cached_file(cache, "localhost", "/a/1/")[0], (long_ago, long_ago))  # stored an hour ago
    cache.new_generation()
    cache.stale_all()
    file, stat = stale_copy(cache, "localhost", "/a/1/")
    assert cached_file(cache, "localhost", "/a/1/") is None and file.read_bytes() == b"old"
    assert time.time() - cache.stale_since(stat.st_mtime) < 5  # stale since the purge, not since the store
    assert cache.store("localhost", "/a/1/", b"new", "text/html", cache.generation())
    assert stale_copy(cache, "localhost", "/a/1/") is None  # a stored page replaces its stale copy
    cache.new_generation()
    cache.stale_all()
    assert stale_copy(cache, "localhost", "/a/1/")[0].read_bytes() == b"new"


@pytest.mark.parametrize(
    "host, path",
    [("localhost", "/../etc/passwd"), ("localhost", "/a/../../x/"), ("localhost", "/.hidden/"), ("a/b", "/"),
     ("localhost", "/中文/"), ("..", "/"), ("localhost", "/a//b/"), ("localhost", "relative/"), ("localhost", "/a\\b/")],
)
def test_hostile_paths_have_no_cache_file(tmp_path, host, path):
    assert PageCache(tmp_path).candidates(host, path) == []


def cached(url: str) -> bool:
    return cached_file(page_cache(), "localhost", url) is not None


def warm(*urls: str) -> None:
    for url in urls:
        wsgi_request(url)
        assert cached(url), url


def state(url: str) -> str:
    """fresh, stale or gone: what a purge left of a cached URL."""
    cache = page_cache()
    if cached_file(cache, "localhost", url):
        return "fresh"
    return "stale" if stale_copy(cache, "localhost", url) else "gone"


class Snapshot:
    """Every cached URL's file before an event, to tell which an event left byte-identical."""

    def __init__(self, urls):
        self.urls = list(urls)
        warm(*self.urls)
        self.files = {url: cached_file(page_cache(), "localhost", url)[1] for url in self.urls}

    def after(self) -> dict[str, str]:
        """url -> gone / stale / untouched / rewritten."""
        result = {}
        for url in self.urls:
            found = cached_file(page_cache(), "localhost", url)
            if found is None:
                result[url] = state(url)
            else:
                before = self.files[url]
                same = (found[1].st_ino, found[1].st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
                result[url] = "untouched" if same else "rewritten"
        return result


@pytest.fixture
def newsroom_site(portal_site):
    """Three articles in the first channel (a1 newest), two in the second, no tags."""
    jcdj, xczx = portal_site.channels
    a = [make_article(jcdj, revision=True, title=f"基层文章{n}") for n in (1, 2, 3)]
    b = [make_article(xczx, revision=True, title=f"乡村文章{n}") for n in (1, 2)]
    return portal_site, a, b


def everything(a, b) -> list[str]:
    return ["/", "/jcdj/", "/xczx/", "/feed/", "/jcdj/feed/", "/xczx/feed/", "/sitemap.xml", "/robots.txt",
            *(article.url for article in a + b)]


def test_publishing_a_new_article_makes_its_lists_and_neighbour_stale_and_leaves_the_rest(
    newsroom_site, django_capture_on_commit_callbacks
):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        new = make_article(site.channels[0], revision=True, title="刚刚发布的新文章", first_published_at=None)
    after = snapshot.after()
    stale = {"/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url}  # a1 gets "下一篇: new"
    assert {url for url, what in after.items() if what == "stale"} == stale
    assert {url for url, what in after.items() if what == "untouched"} == set(snapshot.urls) - stale
    for url in ("/", "/jcdj/", "/feed/", "/sitemap.xml", a[0].url):
        assert "刚刚发布的新文章" in wsgi_request(url)[2].decode() or f"/a/{new.pk}/" in wsgi_request(url)[2].decode(), url


def test_editing_an_article_removes_it_and_refreshes_only_the_pages_that_show_it(
    newsroom_site, django_capture_on_commit_callbacks
):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        a[1].title = "后台改过的标题"
        a[1].save_revision().publish()
    after = snapshot.after()
    assert after[a[1].url] == "gone"
    # Shown by its neighbours a1 and a3 (previous/next), a1's related block, its channel's
    # list and feed, the home page and the site feed; the sitemap lists its time.
    assert {url for url, what in after.items() if what == "stale"} == {
        "/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url, a[2].url}
    for url in ("/xczx/", "/xczx/feed/", "/robots.txt", b[0].url, b[1].url):
        assert after[url] == "untouched", url
    assert "后台改过的标题" in wsgi_request(a[1].url)[2].decode()
    assert "后台改过的标题" in wsgi_request(a[0].url)[2].decode()
    assert "后台改过的标题" in wsgi_request("/")[2].decode()


def test_editing_an_old_article_leaves_its_channel_and_the_home_page_alone(portal_site, django_capture_on_commit_callbacks):
    jcdj = portal_site.channels[0]
    articles = [make_article(jcdj, title=f"旧文{n}") for n in range(35)]  # newest first
    oldest = articles[-1]
    snapshot = Snapshot(["/", "/jcdj/", "/feed/", "/jcdj/feed/", oldest.url, articles[-2].url, articles[0].url])
    with django_capture_on_commit_callbacks(execute=True):
        oldest.title = "改过的旧文"
        oldest.save_revision().publish()
    after = snapshot.after()
    assert after == {"/": "untouched", "/jcdj/": "untouched", "/feed/": "untouched", "/jcdj/feed/": "untouched",
                     oldest.url: "gone", articles[-2].url: "stale", articles[0].url: "untouched"}


def test_unpublishing_and_deleting_remove_the_article_everywhere(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        a[1].unpublish()
    after = snapshot.after()
    assert after[a[1].url] == "gone" and wsgi_request(a[1].url)[0].startswith("404")
    assert {url for url, what in after.items() if what == "stale"} == {
        "/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url, a[2].url}
    for url in ("/", "/jcdj/", "/feed/", "/jcdj/feed/", "/sitemap.xml", a[0].url):
        assert "基层文章2" not in wsgi_request(url)[2].decode(), url

    snapshot = Snapshot(everything([a[0], a[2]], b))
    with django_capture_on_commit_callbacks(execute=True):
        b[0].delete()
    after = snapshot.after()
    assert after[b[0].url] == "gone" and wsgi_request(b[0].url)[0].startswith("404")
    assert {url for url, what in after.items() if what == "stale"} == {
        "/", "/xczx/", "/feed/", "/xczx/feed/", "/sitemap.xml", b[1].url}
    assert "乡村文章1" not in wsgi_request("/")[2].decode()


def test_moving_an_article_purges_both_channels(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        a[1].move(site.channels[1], pos="last-child")
    after = snapshot.after()
    assert after[a[1].url] == "gone"
    for url in ("/", "/jcdj/", "/xczx/", "/jcdj/feed/", "/xczx/feed/", "/feed/", "/sitemap.xml", a[0].url, a[2].url):
        assert after[url] == "stale", url
    assert "基层文章2" not in wsgi_request("/jcdj/")[2].decode()
    assert "基层文章2" in wsgi_request("/xczx/")[2].decode()


def test_renaming_a_channel_removes_its_pages_and_refreshes_every_menu(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        site.channels[1].title = "乡村振兴新名"
        site.channels[1].save_revision().publish()
    after = snapshot.after()
    assert after["/xczx/"] == "gone" and after["/xczx/feed/"] == "gone"
    html_pages = {"/", "/jcdj/", *(article.url for article in a + b)}
    # The site feed too: a changed page is checked against the lists of its own type below
    # the home page, not the lists' own (articles).
    assert {url for url, what in after.items() if what == "stale"} == html_pages | {"/sitemap.xml", "/feed/"}
    assert after["/robots.txt"] == "untouched" and after["/jcdj/feed/"] == "untouched"
    assert "乡村振兴新名" in wsgi_request(a[0].url)[2].decode()


def test_settings_make_everything_stale(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        site.settings.site_name = "改名后的党建网"
        site.settings.save()
    assert set(snapshot.after().values()) == {"stale"}
    assert "改名后的党建网" in wsgi_request(a[0].url)[2].decode()


def test_an_image_refreshes_the_pages_that_show_it_and_an_unused_one_nothing(
    newsroom_site, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # reference index
    site, a, b = newsroom_site
    cover = make_image("封面")
    with django_capture_on_commit_callbacks(execute=True):
        b[1].cover_image = cover
        b[1].save_revision().publish()
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        make_image("没有用到的图片")
    assert set(snapshot.after().values()) == {"untouched"}
    with django_capture_on_commit_callbacks(execute=True):
        cover.title = "换过的封面"
        cover.focal_point_x, cover.focal_point_y, cover.focal_point_width, cover.focal_point_height = 10, 10, 50, 50
        cover.save()
    after = snapshot.after()
    assert {url for url, what in after.items() if what == "stale"} == {
        "/", "/xczx/", "/feed/", "/xczx/feed/", b[0].url, b[1].url}
    assert after["/jcdj/"] == "untouched"


def test_a_draft_with_a_photo_purges_nothing(newsroom_site, client, django_capture_on_commit_callbacks, django_user_model):
    from dangjian.contributions.tests.fixtures import form_data, make_user
    from dangjian.contributions.tests.test_photos import jpeg_with_gps
    from dangjian.contributions.tests.test_submission import upload

    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    client.force_login(make_user("contributor", real_name="李老师", organization="凤庆县教育局"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contributions:new"), {
            **form_data(site.channels[0], action="save"), "new_photos": [upload("现场.jpg", jpeg_with_gps())],
        })
    assert response.status_code == 302
    draft = ArticlePage.objects.get(title="凤庆县开展党员教育培训")
    assert not draft.live and draft.body
    with django_capture_on_commit_callbacks(execute=True):
        draft.move(site.channels[1], pos="last-child")
    assert set(snapshot.after().values()) == {"untouched"}
    with django_capture_on_commit_callbacks(execute=True):
        draft.save_revision().publish()
    assert snapshot.after()["/jcdj/"] == "untouched" and snapshot.after()["/xczx/"] == "stale"


def test_restricting_a_page_removes_it(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    snapshot = Snapshot(everything(a, b))
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=a[1], restriction_type="password", password="secret")
    after = snapshot.after()
    assert after[a[1].url] == "gone" and after["/jcdj/"] == "stale" and after["/xczx/"] == "untouched"
    assert "csrfmiddlewaretoken" in wsgi_request(a[1].url)[2].decode()
    assert "基层文章2" not in wsgi_request("/jcdj/")[2].decode()
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert "基层文章2" in wsgi_request(a[1].url)[2].decode()
    assert "基层文章2" in wsgi_request("/jcdj/")[2].decode()


def test_the_header_channels_follow_every_purge_and_cost_no_query_between(
    newsroom_site, django_capture_on_commit_callbacks
):
    portal_site = newsroom_site[0]

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


def test_a_stale_page_is_served_until_its_window_ends_then_rendered(newsroom_site, settings, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    warm("/jcdj/")
    with django_capture_on_commit_callbacks(execute=True):
        make_article(site.channels[0], revision=True, title="窗口内的新文章", first_published_at=None)
    cache = page_cache()
    stale_file = stale_copy(cache, "localhost", "/jcdj/")[0]
    # Another request is rendering it (holds the lock): this one gets the stale copy at once.
    fd = os.open(cache.lock_file("localhost", "/jcdj/"), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        status, headers, body = wsgi_request("/jcdj/")
        assert headers["X-Page-Cache"] == "STALE" and "窗口内的新文章" not in body.decode()
    finally:
        os.close(fd)
    # The first request that gets the lock renders the fresh page.
    status, headers, body = wsgi_request("/jcdj/")
    assert headers["X-Page-Cache"] == "MISS" and "窗口内的新文章" in body.decode()
    assert not stale_file.exists() or cached_file(cache, "localhost", "/jcdj/")
    # Past the window a stale copy is never served, lock or not.
    with django_capture_on_commit_callbacks(execute=True):
        make_article(site.channels[0], revision=True, title="窗口外的新文章", first_published_at=None)
    old = time.time() - settings.PAGE_CACHE_STALE_SECONDS - 1
    stale_file = stale_copy(cache, "localhost", "/jcdj/")[0]
    os.utime(stale_file, (old, old))
    status, headers, body = wsgi_request("/jcdj/")
    assert headers["X-Page-Cache"] == "MISS" and "窗口外的新文章" in body.decode()


def test_an_unwritable_lock_folder_costs_single_flight_not_pages(newsroom_site, django_capture_on_commit_callbacks):
    site, a, b = newsroom_site
    warm("/jcdj/")
    cache = page_cache()
    shutil.rmtree(cache.lock_root)
    cache.lock_root.write_text("a file where the folder should be")  # os.open fails as it would without permission
    with django_capture_on_commit_callbacks(execute=True):
        make_article(site.channels[0], revision=True, title="锁目录坏了也能发布", first_published_at=None)
    status, headers, body = wsgi_request("/jcdj/")
    assert status == "200 OK" and "锁目录坏了也能发布" in body.decode()
    status, headers, body = wsgi_request(a[0].url)
    assert status == "200 OK" and "锁目录坏了也能发布" in body.decode()  # its next article now
    assert wsgi_request(a[0].url)[1]["X-Page-Cache"] == "HIT"
    cache.lock_root.unlink()


def test_a_host_with_a_port_has_pages_of_its_own(newsroom_site, settings):
    settings.BASE_URL = "http://localhost:6666"
    status, headers, body = wsgi_request("/robots.txt", host="localhost:6666")
    assert headers["X-Page-Cache"] == "MISS" and b"http://localhost:6666/sitemap.xml" in body
    status, headers, body = wsgi_request("/robots.txt")
    assert headers["X-Page-Cache"] == "MISS" and b"http://localhost/sitemap.xml" in body
    assert wsgi_request("/robots.txt", host="localhost:6666")[2] != wsgi_request("/robots.txt")[2]
    assert wsgi_request("/robots.txt", host="LOCALHOST:6666")[1]["X-Page-Cache"] == "HIT"
    # A port the site is not served on is answered, not stored: no copies for every port.
    for _ in range(2):
        status, headers, body = wsgi_request("/robots.txt", host="localhost:7777")
        assert status == "200 OK" and b"http://localhost:7777/sitemap.xml" in body and "X-Page-Cache" not in headers
    assert not (page_cache().root / "localhost:7777").exists()


def test_hits_carry_hsts_on_https_and_plain_http_is_redirected(newsroom_site, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    url = newsroom_site[1][0].url
    miss = wsgi_request(url, x_forwarded_proto="https")[1]
    hit = wsgi_request(url, x_forwarded_proto="https")[1]
    assert hit["X-Page-Cache"] == "HIT" and hit["Strict-Transport-Security"] == miss["Strict-Transport-Security"]
    assert {k: v for k, v in hit.items() if k.startswith(("X-Frame", "X-Content", "Referrer", "Cross-Origin"))} == {
        k: v for k, v in miss.items() if k.startswith(("X-Frame", "X-Content", "Referrer", "Cross-Origin"))}
    assert "Strict-Transport-Security" not in wsgi_request(url)[1]  # Django sends it on https only
    settings.SECURE_SSL_REDIRECT = True
    status, headers, _ = wsgi_request(url)
    assert status.startswith("301") and headers["Location"] == f"https://localhost{url}"
    assert wsgi_request(url, x_forwarded_proto="https")[1]["X-Page-Cache"] == "HIT"


def test_deleting_old_hourly_views_is_one_delete_query(portal_site):
    import datetime as dt

    from django.utils import timezone

    from dangjian.pageviews.models import HourlyViews
    from dangjian.pageviews.services import hourly_views_compact

    article = make_article(portal_site.channels[0])
    old = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=60)
    HourlyViews.objects.bulk_create([HourlyViews(page_id=article.pk, hour=old - dt.timedelta(hours=n), views=1) for n in range(50)])
    with CaptureQueriesContext(connection) as queries:
        assert hourly_views_compact() == 50
    assert [q["sql"].split()[0] for q in queries if "pageviews_hourlyviews" in q["sql"]] == ["DELETE"]


def test_an_upgrade_empties_the_cache(newsroom_site):
    from django.core.management import call_command

    url = newsroom_site[1][0].url
    call_command("migrate", verbosity=0)  # this code's version written
    warm(url)
    call_command("migrate", verbosity=0)
    assert cached(url), "the same code keeps its pages"
    page_cache().version_file.write_text("pages written by an older release")
    call_command("migrate", verbosity=0)
    assert state(url) == "gone"


def test_purge_cache_command(newsroom_site, django_capture_on_commit_callbacks):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    a = newsroom_site[1]
    warm("/", a[0].url, a[1].url)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_cache", f"http://localhost{a[0].url}")
    assert state(a[0].url) == "gone" and cached(a[1].url) and cached("/")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_cache", "--all")
    assert state("/") == "gone" and state(a[1].url) == "gone"
    with pytest.raises(CommandError):
        call_command("purge_cache")


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


def test_cached_pages_are_readable_by_nginx_whatever_the_umask(article, settings):
    previous = os.umask(0o077)
    try:
        wsgi_request(article.url)
    finally:
        os.umask(previous)
    file, _stat = cached_file(PageCache(settings.PAGE_CACHE_DIR), "localhost", article.url)
    assert file.stat().st_mode & 0o777 == 0o644  # no secret in a public page; nginx is another user


def test_an_unreadable_generation_file_turns_the_cache_off_never_a_500(article, settings):
    """Written by a command run as another user with a mode the web cannot read (here: a
    directory in its place, which root cannot read as a file either)."""
    from dangjian.core import invalidation

    cache = PageCache(settings.PAGE_CACHE_DIR)
    cache.new_generation()
    assert cache.generation_file.stat().st_mode & 0o777 == 0o644  # readable whoever wrote it
    cache.remove_all()
    cache.generation_file.unlink()
    cache.generation_file.mkdir()
    try:
        invalidation._until_purge.clear()
        for _ in range(2):
            status, headers, body = wsgi_request(article.url)
            assert status == "200 OK" and "缓存测试文章" in body.decode()
            assert "X-Page-Cache" not in headers  # rendered, not stored: a purge could not be seen
        assert invalidation._until_purge == {}
    finally:
        cache.generation_file.rmdir()
    wsgi_request(article.url)
    assert wsgi_request(article.url)[1]["X-Page-Cache"] == "HIT"
