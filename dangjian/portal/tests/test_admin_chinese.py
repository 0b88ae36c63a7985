"""Every admin screen an editor, reviewer, city admin, site admin or auditor reaches from the
menu or in a day's work reads in Chinese: no English word outside an allowlist of brand
names, units and formats, and none of the wrong translations once found. The test prints
what it found."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from dangjian.accounts.roles import AUDITOR, FINAL_REVIEW, FIRST_REVIEW, SITE_ADMIN
from dangjian.cities.models import CityRole
from dangjian.cities.tests.fixtures import city_staff, make_city
from dangjian.contributions.tests.fixtures import make_user
from dangjian.demo.images import make_picture
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db

WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Names joined by - . / _ (a package, a file, a content type, an example address): not words.
IDENTIFIER = re.compile(r"[\w@:]+(?:[-./][\w@:\[\]]+)+")
# Names and units a Chinese admin writes in Latin letters too.
ALLOWED = {
    "wagtail", "django", "webp", "jpeg", "jpg", "png", "gif", "avif", "svg", "pdf", "doc", "docx", "xls", "xlsx", "ppt",
    "pptx", "zip", "csv", "txt", "odt", "ods", "odp", "rtf", "url", "html", "sms", "icp", "api", "mb", "kb", "gb", "px",
    "rss", "json", "ip", "ipv", "http", "https", "www", "qr", "seo", "utc", "id", "cdn", "tls", "js", "css", "alt", "npm", "mit",
}
# Wrong Chinese once seen in Wagtail's own catalogue.
WRONG = ["步进数", "在用", "个 *", "和发布"]


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside scripts, styles, templates, code
    (commands and names, as typed) and hidden elements, and the labels screen readers read
    (aria-label, title, placeholder, alt)."""

    SKIP = {"script", "style", "template", "svg", "noscript", "code"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.open, self.skip_from, self.parts = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if self.skip_from is None:
                self._labels(attrs)
            return
        self.open.append(tag)
        if self.skip_from is None and (tag in self.SKIP or "hidden" in dict(attrs)):
            self.skip_from = len(self.open)
        elif self.skip_from is None:
            self._labels(attrs)

    def _labels(self, attrs):
        self.parts += [value for name, value in attrs if name in {"aria-label", "title", "placeholder", "alt"} and value]

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self.open:
            return
        while self.open and self.open.pop() != tag:
            pass
        if self.skip_from is not None and len(self.open) < self.skip_from:
            self.skip_from = None

    def handle_data(self, data):
        if self.skip_from is None and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def menu(html: str) -> tuple[list[str], list[str]]:
    """The sidebar's links and labels (Wagtail renders the menu from this JSON)."""
    data = json.loads(re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S).group(1))
    urls, labels = [], []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                urls.append(node["url"])
            if isinstance(node.get("label"), str):
                labels.append(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return urls, labels


def english(parts: list[str], typed: set[str]) -> list[str]:
    found = []
    for part in parts:
        words = [w for w in WORD.findall(IDENTIFIER.sub(" ", part)) if w.lower() not in ALLOWED and w.lower() not in typed]
        if words:
            found.append(f"{' '.join(words)}  «{part[:80]}»")
    return found


@pytest.fixture
def newsroom_day(portal_site, settings):
    """One article of each state, a review under way, an image and a city with its staff."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    city = make_city(region_code="530900")
    Collection.get_first_root_node().add_child(name="来稿图片")  # with two, the admin shows collection menus
    channel = portal_site.channels[0]
    article = make_article(channel, revision=True)
    image = get_image_model().objects.create(title="活动照片", description="党员志愿者在社区服务",
                                             file=ImageFile(BytesIO(make_picture(1, (400, 300))), name="a.jpg"))
    users = {
        "operator (superuser)": make_user("operator", is_superuser=True, is_staff=True),
        "site admin": make_user("siteadmin", SITE_ADMIN),
        "first review": make_user("first", FIRST_REVIEW),
        "final review": make_user("final", FINAL_REVIEW),
        "auditor": make_user("auditor", AUDITOR),
        "city admin": city_staff(city)[CityRole.ADMIN],
    }
    in_review = make_article(channel, publish=False, revision=True, owner=users["first review"])
    in_review.get_workflow().start(in_review, users["first review"])
    daily = {
        reverse("wagtailadmin_pages:edit", args=[article.pk]),
        reverse("wagtailadmin_pages:edit", args=[in_review.pk]),
        reverse("wagtailadmin_pages:add", args=("portal", "articlepage", channel.pk)),
        reverse("wagtailadmin_explore", args=[channel.pk]),
        reverse("wagtailimages:add"),
        reverse("wagtailimages:edit", args=[image.pk]),
        reverse("wagtaildocs:add"),
        reverse("wagtailadmin_pages:history", args=[article.pk]),
        reverse("wagtailadmin_workflows:index"),
        reverse("wagtailadmin_workflows:task_index"),
        reverse("wagtailusers_users:add"),
        reverse("wagtailusers_groups:index"),
        reverse("wagtailsites:index"),
    }
    # What people typed: usernames and slugs, and the test site's host.
    typed = {w.lower() for name in get_user_model().objects.values_list("username", flat=True) for w in WORD.findall(name)}
    typed |= {w.lower() for slug in Page.objects.values_list("slug", flat=True) for w in WORD.findall(slug)} | {"localhost"}
    # The site's setup (the demo, or the operator) replaces Wagtail's placeholder page.
    Page.objects.filter(depth=2).exclude(content_type__model="homepage").delete()
    return users, daily, typed


def test_every_admin_screen_of_every_role_is_in_chinese(newsroom_day):
    users, daily, typed = newsroom_day
    findings = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        home = client.get(reverse("wagtailadmin_home"))
        assert home.status_code == 200, role
        urls, labels = menu(home.content.decode())
        visited = set()
        for url in [reverse("wagtailadmin_home"), *urls, *sorted(daily)]:
            if not url.startswith("/admin/") or url in visited:
                continue
            visited.add(url)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue  # not this role's screen (403, or a redirect to one it may see)
            html = response.content.decode()
            problems = english(visible_text(html), typed) + [f"wrong: {w}" for w in WRONG if w in html]
            if problems:
                findings[f"{role} {url}"] = problems
        if bad := english(labels, typed) + [f"another site: {url}" for url in urls if not url.startswith(("/", "#"))]:
            findings[f"{role} menu"] = bad
        assert len(visited) > 5, (role, visited)
    login = Client().get(reverse("wagtailadmin_login")).content.decode()
    if bad := english(visible_text(login), typed):
        findings["anonymous /admin/login/"] = bad
    for where, problems in findings.items():
        print(where)
        for problem in problems:
            print("   ", problem)
    assert findings == {}
