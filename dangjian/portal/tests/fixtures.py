"""Portal fixtures: a site with a home page, channels, settings and articles."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from dangjian.core.middleware import page_cache
from dangjian.demo.images import make_picture
from dangjian.portal.models import ArticlePage, ChannelPage, HomePage, PortalSettings

_counter = itertools.count(1)


@dataclass
class PortalSite:
    site: Site
    home: HomePage
    channels: list[ChannelPage]
    settings: PortalSettings


@pytest.fixture(autouse=True)
def _test_environment(settings):
    # Wagtail keeps site root paths in the cache; a test's database starts empty each time.
    cache.clear()
    # A new generation too: values kept until the next purge (invalidation.until_purge)
    # must not come from another test's database.
    page_cache().new_generation()
    page_cache().remove_all()
    # Fingerprinted names need `collectstatic` first; tests serve from the app folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield
    cache.clear()


def make_image(title: str = "图片", size=(600, 400)):
    seed = next(_counter)
    return get_image_model().objects.create(
        title=title, file=ImageFile(BytesIO(make_picture(seed, size)), name=f"test-{seed}.jpg")
    )


def make_article(channel: ChannelPage, *, publish: bool = True, revision: bool = False, **fields) -> ArticlePage:
    """An article under `channel`. `revision=True` publishes through Wagtail's revision
    workflow, as the admin does; otherwise the page is saved live directly (fast, for bulk)."""
    n = next(_counter)
    values = dict(
        title=f"测试文章{n}：党建引领基层治理",
        slug=f"t{n}",
        summary="党建引领基层治理的测试摘要。",
        body=[("text", RichText("<h2>一、背景</h2><p>基层党组织是党全部工作和战斗力的基础。</p>"))],
        byline_organization="测试县委组织部",
        byline_author="张三",
        first_published_at=timezone.now() - dt.timedelta(hours=n),
        initial_views=n * 10,
        live=publish and not revision,
    )
    values.update(fields)
    article = channel.add_child(instance=ArticlePage(**values))
    if revision:
        revision_obj = article.save_revision()
        if publish:
            revision_obj.publish()
            article.refresh_from_db()
    return article


@pytest.fixture
def portal_site(db) -> PortalSite:
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="首页", slug="home-test"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.hostname = "localhost"
    site.save()
    channels = [
        home.add_child(instance=ChannelPage(title="基层党建", slug="jcdj", show_in_menus=True, accepts_contributions=True)),
        home.add_child(instance=ChannelPage(title="乡村振兴", slug="xczx", show_in_menus=True)),
    ]
    portal_settings = PortalSettings.objects.create(
        site=site,
        site_name="测试党建网",
        description="测试用的一句话简介",
        address="测试路1号",
        telephone="010-12345678",
        email="contact@example.com",
        icp_number="京ICP备12345678号-1",
        police_number="京公网安备11010502030143号",
        police_link="https://beian.mps.gov.cn/",
        complaint_email="tousu@example.com",
        complaint_days=3,
    )
    return PortalSite(site=site, home=home, channels=channels, settings=portal_settings)
