"""Load and reset the demo site. Loading is idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import secrets
import shutil
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from anyascii import anyascii
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from tqdm import tqdm
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from dangjian.accounts.roles import FINAL_REVIEW, FIRST_REVIEW, SECOND_REVIEW
from dangjian.banners.models import Banner
from dangjian.cities import regions
from dangjian.cities import selectors as city_selectors
from dangjian.cities import services as city_services
from dangjian.cities.models import CityApplication, CityChannelPage, CityRole
from dangjian.pageviews.buffer import get_buffer
from dangjian.pageviews.services import hot_lists_refresh, views_apply
from dangjian.portal.models import ArticlePage, ChannelPage, HomePage, PortalSettings
from dangjian.search.services import search_index_rebuild

from .content import make_articles
from .images import make_picture

ADMIN_USERNAME = "admin"
CHANNELS = [
    # title, slug, description, accepts contributions
    ("基层党建", "jcdj", "聚焦基层党组织建设，展示各地抓党建促发展的生动实践。", True),
    ("党员风采", "dyfc", "记录扎根基层、默默奉献的优秀共产党员。", True),
    ("乡村振兴", "xczx", "党建引领乡村振兴的经验做法与典型案例。", True),
    ("社区治理", "sqzl", "党建引领城市基层治理，共建共治共享。", False),
    ("理论学习", "llxx", "学习资料、理论文章与党课资源。", False),
]


def _password_file() -> Path:
    return settings.DATA_DIR / "demo_admin_password"


def demo_is_loaded() -> bool:
    return HomePage.objects.exists()


def demo_admin_ensure() -> tuple[str, str | None]:
    """Create the demo admin once; return its username and the password kept for the demo."""
    User = get_user_model()
    path = _password_file()
    if User.objects.filter(username=ADMIN_USERNAME).exists():
        return ADMIN_USERNAME, path.read_text().strip() if path.exists() else None
    password = secrets.token_urlsafe(9)
    User.objects.create_superuser(
        username=ADMIN_USERNAME, email="admin@example.com", password=password,
        display_name="系统管理员", real_name="系统管理员",
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return ADMIN_USERNAME, password


@functools.cache
def _password_hash(password: str) -> str:
    """The demo accounts all have the admin's password: hashed once, not once per account
    (a quarter of a second each)."""
    return make_password(password)


# One reviewer per 三审 stage, so the whole review can be tried (nobody may approve two stages).
DEMO_REVIEWERS = [("chushen", "王初审", FIRST_REVIEW), ("fushen", "赵复审", SECOND_REVIEW), ("zhongshen", "孙终审", FINAL_REVIEW)]


def demo_reviewers_ensure(password: str | None) -> list[str]:
    """The demo's reviewers, with the admin's demo password; their usernames."""
    User = get_user_model()
    for username, name, role in DEMO_REVIEWERS:
        if password and not User.objects.filter(username=username).exists():
            user = User.objects.create(username=username, password=_password_hash(password), real_name=name, display_name=name)
            user.groups.add(Group.objects.get(name=role))
    return [username for username, _name, _role in DEMO_REVIEWERS if User.objects.filter(username=username).exists()]


def _image(title: str, seed: int, size=(1200, 800)):
    Image = get_image_model()
    data = make_picture(seed, size)
    # The description is the alt text pages fall back to; the demo's pictures are drawn, not photographed.
    return Image.objects.create(title=title, description=f"{title}（演示用的绘制图片）", file=ImageFile(BytesIO(data), name=f"demo-{seed}.jpg"))


def _body(article, pictures, rng_index: int):
    blocks = []
    for number, (heading, paragraphs) in enumerate(article.sections):
        html = f"<h2>{escape(heading)}</h2>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        blocks.append(("text", RichText(html)))
        if number == 1 and rng_index % 3 == 0:
            picture = pictures[rng_index % len(pictures)]
            blocks.append(("image", {"image": picture, "caption": "图为党员志愿者在村里开展服务活动。"}))
    return blocks


def _site_setup(home: HomePage) -> Site:
    base = urlsplit(settings.BASE_URL)
    port = base.port or (443 if base.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = base.hostname, port, home, "基层党建网"
    site.save()
    return site


@transaction.atomic
def demo_content_load(*, article_count: int = 48, progress: bool = True) -> int:
    """Create the home page, channels, articles and site settings. Returns articles made."""
    root = Page.get_first_root_node()
    # Wagtail's first migration makes a placeholder "Welcome" page; the portal replaces it.
    for placeholder in root.get_children().exclude(content_type__model="homepage"):
        placeholder.delete()
    root.refresh_from_db()
    home = root.add_child(instance=HomePage(title="首页", slug="home"))
    home.save_revision().publish()
    site = _site_setup(home)

    logo = _image("网站标志", 7, (240, 240))
    banner = _image("文章底部横幅", 11, (1200, 200))
    PortalSettings.objects.update_or_create(
        site=site,
        defaults=dict(
            site_name="基层党建网",
            description="全国基层党建工作者的交流平台 · 演示站点",
            logo=logo,
            address="某省某市示范路 100 号党建大厦 8 层（演示地址）",
            telephone="010-00000000",
            email="contact@example.com",
            icp_number="京ICP备00000000号-1",
            police_number="京公网安备00000000000000号",
            police_link="https://beian.mps.gov.cn/",
            complaint_email="tougao@example.com",
            complaint_days=3,
            share_image=_image("分享图片", 13, (600, 600)),
        ),
    )
    Banner.objects.get_or_create(name="文章底部横幅（演示）", defaults=dict(
        position=Banner.Position.ARTICLE_BOTTOM, image=banner, alt_text="学习贯彻党的二十大精神（演示横幅）"))

    channels = []
    for title, slug, description, accepts in CHANNELS:
        channel = home.add_child(
            instance=ChannelPage(title=title, slug=slug, description=description, accepts_contributions=accepts, show_in_menus=True)
        )
        channel.save_revision().publish()
        channels.append(channel)

    covers = [_image(f"封面图 {n + 1}", 100 + n) for n in range(12)]
    pictures = [_image(f"活动照片 {n + 1}", 200 + n, (1000, 700)) for n in range(4)]
    articles = make_articles(article_count, now=timezone.now())
    for index, data in enumerate(tqdm(articles, desc=_("Loading demo articles"), unit=_("article"), disable=not progress)):
        page = ArticlePage(
            title=data.title, slug=f"a{index + 1}", summary=data.summary,
            cover_image=covers[index % len(covers)] if index % 5 != 4 else None,
            body=_body(data, pictures, index), first_published_at=data.published,
            initial_views=data.initial_views, source_type=data.source_type,
            source_name=data.source_name, original_author=data.original_author, original_title=data.original_title,
            byline_organization=data.byline_organization, byline_author=data.byline_author,
            responsible_editor=data.responsible_editor, is_headline=data.is_headline,
        )
        page.tags.add(*data.tags)
        channels[index % len(channels)].add_child(instance=page)
        page.save_revision().publish()
    _view_history()
    hot_lists_refresh()
    search_index_rebuild()
    return len(articles)


def _view_history(*, articles: int = 60, days: int = 90) -> None:
    """Views per day for the newest articles since they were published, so the hot lists
    and the editors' charts have something to show: a peak after publication that fades."""
    rng = random.Random(90)
    now = timezone.now()
    increments = {}
    for page_id, published in ArticlePage.objects.order_by("-first_published_at").values_list("pk", "first_published_at")[:articles]:
        peak = rng.randint(200, 3000)
        for age in range(min(days, (now - published).days + 1)):
            day_end = now - dt.timedelta(days=age)
            views = int(peak / (1 + (now - published).days - age) ** 1.2 * rng.uniform(0.7, 1.3))
            if views:
                increments[(page_id, int(day_end.timestamp() // 3600))] = views
    views_apply(batch_id="demo-history", increments=increments)


def demo_reset() -> None:
    """Throw away the database contents and uploaded media, to load the demo afresh."""
    connection.close()
    if connection.vendor == "sqlite":
        db = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    _password_file().unlink(missing_ok=True)
    get_buffer().clear()  # views buffered for pages that are about to vanish


# The first demo cities: two in 辽宁, one in 云南; --cities N adds prefecture-level cities in code order.
DEMO_CITIES = ["210100", "210200", "530900"]
DEMO_CITY_ROLES = [(CityRole.ADMIN, "admin"), (CityRole.FIRST_REVIEW, "chushen"), (CityRole.SECOND_REVIEW, "fushen"),
                   (CityRole.FINAL_REVIEW, "zhongshen")]


def _demo_regions(count: int) -> list[regions.Region]:
    chosen = [regions.lookup(code) for code in DEMO_CITIES]
    for province in regions.provinces():
        for city in regions.children_of(province.code):
            if city.code not in DEMO_CITIES:
                chosen.append(city)
    return chosen[:count]


def _city_slug(region: regions.Region, taken: set[str]) -> str:
    base = slugify(anyascii(region.name.removesuffix("市").removesuffix("地区").removesuffix("自治州") or region.name)) or "city"
    slug = base if base not in taken and base not in city_services.RESERVED_SLUGS else f"{base}-{region.code}"
    taken.add(slug)
    return slug


def demo_cities_ensure(*, count: int, password: str | None, articles_per_city: int = 4, progress: bool = True) -> list[tuple[str, str, list[str]]]:
    """City channels with one account per role (the admin's demo password), a few articles
    each, one of them recommended to a national channel, and one application waiting for
    review. Once: a second run changes nothing. Returns (title, URL, usernames) of the first three."""
    User = get_user_model()
    if count and password and not CityChannelPage.objects.exists():
        taken: set[str] = set()
        now = timezone.now()
        texts = make_articles(count * articles_per_city, now=now, seed=2025)
        for number, region in enumerate(tqdm(_demo_regions(count), desc=_("Opening demo city channels"), unit=_("city"),
                                             disable=not progress)):
            slug = _city_slug(region, taken)
            with transaction.atomic():
                staff = {}
                for role, suffix in DEMO_CITY_ROLES:
                    staff[role] = User.objects.create(username=f"{slug}-{suffix}", password=_password_hash(password),
                                                      real_name=f"{region.name}{CityRole(role).label}")
                city = city_services.city_provision(
                    title=f"{region.name}党建", slug=slug, region_code=region.code, organization=f"中共{region.name}委组织部",
                    description=f"{regions.full_name(region.code)}基层党建工作动态。", admin=staff[CityRole.ADMIN], user=None)
                for role, user in staff.items():
                    user.groups.add(city.staff_groups.get(role=role).group)
                columns = list(ChannelPage.objects.child_of(city).order_by("path"))
                for index, data in enumerate(texts[number * articles_per_city:(number + 1) * articles_per_city]):
                    page = ArticlePage(title=data.title, slug=f"a{index + 1}", summary=data.summary, body=_body(data, [], 1),
                                       first_published_at=data.published, byline_organization=f"中共{region.name}委组织部",
                                       byline_author=data.byline_author, source_type=data.source_type)
                    columns[index % len(columns)].add_child(instance=page)
                    page.save_revision().publish()
        first = ArticlePage.objects.descendant_of(city_selectors.city_directory()).live().order_by("-first_published_at").first()
        national = ChannelPage.objects.filter(depth=3).order_by("path").first()
        if first and national:
            city_services.recommendation_add(article=first, channel=national, user=None)
        _demo_application()
        city_services.city_article_count_refresh()
        hot_lists_refresh()
        search_index_rebuild()
    cities = CityChannelPage.objects.order_by("path")[:3]
    return [(city.title, city.url, [f"{city.slug}-{suffix}" for _role, suffix in DEMO_CITY_ROLES]) for city in cities]


def _demo_application() -> None:
    """One application waiting in the admin (昆明), with a one-page letter."""
    from pypdf import PdfWriter

    User = get_user_model()
    applicant, _created = User.objects.get_or_create(username="kunming-applicant", defaults={"real_name": "李书记"})
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    application = CityApplication(
        reference="CS00000000000001", applicant=applicant, organization="中共昆明市委组织部", region_code="530100",
        region_name=regions.full_name("530100"), contact_name="李书记", contact_phone="+8613800000000", letter_type="pdf",
        channel_name="昆明党建", slug="kunming", description="昆明市基层党建工作动态（演示申请）。",
    )
    application.letter.save("letter.pdf", ContentFile(out.getvalue()), save=False)
    application.save()
