"""Isolation of city channels, as a generated matrix: every admin URL pattern that takes an
argument, filled in with city B's objects, requested (GET and POST) as each role of city A.
Each answer is a refusal (302, 400, 403, 404, 405) or a page showing none of city B's
objects, and afterwards city B's objects are as they were. A new URL argument the matrix
cannot fill in fails the test until it is added here."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision, Site, TaskState

from dangjian.accounts.roles import SITE_ADMIN
from dangjian.banners.models import Banner
from dangjian.cities.models import CityApplication, CityRole
from dangjian.cities.tests.fixtures import city_staff, make_pdf
from dangjian.contributions.models import SensitiveWord
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.models import ArticlePage, ChannelPage, MourningPeriod
from dangjian.portal.tests.fixtures import make_article, make_image
from dangjian.search.models import SearchWord

pytestmark = pytest.mark.django_db
B_MARK = "临沧独有"  # in the title of everything city B owns


def admin_patterns() -> list[tuple[str, str, list[str]]]:
    """(view name, route, argument names) of every admin URL pattern with arguments."""
    found = []

    def walk(resolver, prefix: str, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern), namespace + (f"{entry.namespace}:" if entry.namespace else ""))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                names = list(entry.pattern.regex.groupindex) or re.findall(r"<(?:\w+:)?(\w+)>", str(entry.pattern))
                if route.startswith("admin/") and names:
                    found.append((namespace + (entry.name or ""), route, names))

    walk(get_resolver(), "", "")
    return found


@dataclass
class CityB:
    city: object
    column: ChannelPage
    article: ArticlePage
    revision: Revision
    task_state: TaskState
    image: object
    document: object
    application: CityApplication
    staff: dict
    banner: Banner


@pytest.fixture
def city_b(two_cities, settings) -> CityB:
    _a, city = two_cities
    staff = city_staff(city)
    column = ChannelPage.objects.child_of(city).first()
    for user in staff.values():
        user.username = f"{B_MARK}-{user.username}"
        user.save()
    live = make_article(column, revision=True, title=f"{B_MARK}已发布文章")
    article = make_article(column, revision=True, publish=False, title=f"{B_MARK}审核中文章")
    # In the city's review, waiting at its first stage.
    article.get_workflow().start(article, staff[CityRole.FIRST_REVIEW])
    task_state = article.current_workflow_task_state
    image = make_image(f"{B_MARK}图片")
    image.collection_id = city.collection_id
    image.save()
    document = get_document_model().objects.create(title=f"{B_MARK}文档", collection_id=city.collection_id,
                                                   file=ContentFile(make_pdf(1), name="b.pdf"))
    application = CityApplication(reference="CSB0000000001", applicant=staff[CityRole.ADMIN], organization=f"{B_MARK}单位",
                                  region_code="530902", region_name="云南省临沧市临翔区", contact_name="甲", contact_phone="+8613900000000",
                                  letter_type="pdf", channel_name=f"{B_MARK}频道", slug="linxiang")
    application.letter.save("letter.pdf", ContentFile(make_pdf(1)), save=False)
    application.save()
    for group in Group.objects.filter(city_group__city=city):
        group.name = f"{B_MARK}{group.name}"
        group.save()
    banner = Banner.objects.create(name=f"{B_MARK}横幅", position=Banner.Position.CITY, image=image, alt_text=f"{B_MARK}横幅说明",
                                   target=city)
    return CityB(city=city, column=column, article=live, revision=live.latest_revision, task_state=task_state, image=image,
                 document=document, application=application, staff=staff, banner=banner)


def values_for(view: str, name: str, kwargs_names: list[str], b: CityB, a_column) -> list:
    """Values of city B (or nothing at all) for one URL argument; [] when not covered."""
    pages = [b.city.pk, b.column.pk, b.article.pk, b.task_state.workflow_state.content_object.pk]
    namespace = view.rpartition(":")[0]
    by_name = {
        "page_id": pages, "parent_page_id": pages, "page_to_move_id": [b.article.pk], "destination_id": [a_column.pk],
        "page_pk": pages, "revision_id": [b.revision.pk], "revision_id_a": ["earliest", b.revision.pk],
        "revision_id_b": ["latest"], "task_state_id": [b.task_state.pk], "task_id": [b.task_state.task_id],
        "workflow_state_id": [b.task_state.workflow_state_id], "workflow_pk": [b.city.get_workflow().pk],
        "image_id": [b.image.pk], "document_id": [b.document.pk], "doc_id": [b.document.pk],
        "collection_id": [b.city.collection_id], "uploaded_file_id": [999999], "session_id": [999999],
        "redirect_id": [999999], "action_name": ["approve", "reject"], "filter_spec": ["max-165x165"],
        "content_type_app_name": ["portal"], "content_type_model_name": ["articlepage", "channelpage"],
        "action": ["delete", "unpublish", "publish"], "uidb64": ["MQ"], "token": ["x-x"],
        "object_id": [b.article.pk], "app_name": ["portal", "taggit"],
    }
    if name == "app_label":
        return ["wagtailcore"] if "object_id" in kwargs_names or view == "wagtail_bulk_action" else ["portal"]
    if name == "model_name":
        if "object_id" in kwargs_names or view == "wagtail_bulk_action":
            return ["page"]
        return ["portalsettings"] if namespace == "wagtailsettings" else ["articlepage", "reviewtask"]
    if name == "model_name" or (name == "app_name" and namespace == "wagtailsettings"):
        return ["portal"]
    if name == "pk":
        by_view = {
            "wagtailadmin_api:pages": pages, "wagtailadmin_api:documents": [b.document.pk], "wagtailadmin_api:images": [b.image.pk],
            "wagtailadmin_pages": [b.article.pk], "wagtailadmin_collections": [b.city.collection_id],
            "wagtailadmin_workflows": [b.city.get_workflow().pk, b.task_state.task_id],
            "wagtailsettings": [Site.objects.get(is_default_site=True).pk], "wagtailsites": [Site.objects.get(is_default_site=True).pk],
            "wagtailusers_users": [user.pk for user in b.staff.values()],
            "wagtailusers_groups": list(Group.objects.filter(city_group__city=b.city).values_list("pk", flat=True)),
            "wagtaildocs_chooser": [b.document.pk], "wagtailimages_chooser": [b.image.pk],
            "search_words": [SearchWord.objects.get_or_create(word=f"{B_MARK}词")[0].pk],
            "sensitive_words": [SensitiveWord.objects.get_or_create(word=f"{B_MARK}敏感词")[0].pk],
            "banners": [b.banner.pk],
            # Not a city's: the whole site's, which no city staff may change.
            "mourning": [MourningPeriod.objects.get_or_create(reason=f"{B_MARK}哀悼")[0].pk],
            "": [b.application.pk],  # cities_application and cities_application_letter
        }
        return by_view.get(namespace, [])
    return by_name.get(name, [])


def b_still_as_it_was(b: CityB) -> None:
    article = ArticlePage.objects.get(pk=b.article.pk)
    assert article.live and article.title == f"{B_MARK}已发布文章" and article.get_parent().pk == b.column.pk
    assert not article.locked and article.latest_revision_id == b.revision.pk
    assert Page.objects.filter(pk__in=[b.city.pk, b.column.pk]).count() == 2
    assert Page.objects.get(pk=b.city.pk).live and not Page.objects.child_of(b.city).exclude(pk__in=ChannelPage.objects.child_of(b.city)).exists()
    state = TaskState.objects.get(pk=b.task_state.pk)
    assert state.status == TaskState.STATUS_IN_PROGRESS
    assert b.image.__class__.objects.filter(pk=b.image.pk, collection_id=b.city.collection_id).exists()
    assert get_document_model().objects.filter(pk=b.document.pk, collection_id=b.city.collection_id).exists()
    assert CityApplication.objects.get(pk=b.application.pk).status == CityApplication.Status.PENDING
    assert all(user.__class__.objects.filter(pk=user.pk, is_active=True).exists() for user in b.staff.values())
    assert Banner.objects.filter(pk=b.banner.pk, name=f"{B_MARK}横幅", target=b.city).exists()


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_city_a_staff_reach_nothing_of_city_b_through_any_admin_url(two_cities, city_b):
    city_a = two_cities[0]
    staff_a = city_staff(city_a)
    a_column = ChannelPage.objects.child_of(city_a).first()
    make_user("national-site-admin", SITE_ADMIN)
    uncovered, requests, leaks = [], 0, []
    cases = []
    for view, route, names in admin_patterns():
        choices = [values_for(view, name, names, city_b, a_column) for name in names]
        if not all(choices):
            uncovered.append((view, route, [n for n, c in zip(names, choices, strict=True) if not c]))
            continue
        for combination in itertools.product(*choices):
            cases.append((view, route, dict(zip(names, combination, strict=True))))
    assert uncovered == [], f"admin URL arguments the isolation matrix does not fill in: {uncovered}"

    for role, user in staff_a.items():
        client = Client()
        client.force_login(user)
        for _view, route, kwargs in cases:
            url = "/" + _fill(route, kwargs)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                requests += 1
                if response.status_code in (302, 400, 403, 404, 405):
                    continue
                text = body_of(response)
                if response.status_code != 200 or B_MARK in text or city_b.city.title in text:
                    leaks.append((role, method, url, response.status_code))
    assert leaks == [], "\n".join(map(str, leaks))
    # National staff are not narrowed: a site administrator finds city B's article.
    client = Client()
    client.force_login(make_user("national-site-admin", SITE_ADMIN))
    assert B_MARK in client.get("/admin/pages/search/?q=已发布文章").content.decode()
    assert requests >= 150
    b_still_as_it_was(city_b)


def _fill(route: str, kwargs: dict) -> str:
    """The URL of a route with these arguments (Django's converters and one regex route)."""
    if route.count("(?P<"):
        url = route
        for name, value in kwargs.items():
            url = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), url)
        return url.replace("^", "").replace("$", "").replace("\\.", ".")
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(kwargs[match.group(1)]), route).replace("^", "")


def test_city_a_staff_lists_and_reports_show_nothing_of_city_b(two_cities, city_b):
    """Admin pages without arguments (listings, reports, choosers, search): nothing of B."""
    city_a = two_cities[0]
    staff_a = city_staff(city_a)
    urls = ["/admin/", "/admin/pages/", "/admin/pages/search/?q=已发布文章", "/admin/choose-page/", "/admin/choose-page/search/?q=已发布文章",
            "/admin/images/", "/admin/images/chooser/", "/admin/documents/", "/admin/documents/chooser/",
            "/admin/reports/locked/", "/admin/reports/site-history/", "/admin/reports/aging-pages/", "/admin/reports/workflow/",
            "/admin/reports/workflow_tasks/", "/admin/reports/page-types-usage/", "/admin/pageviews/top/",
            "/admin/review/", "/admin/cities/applications/", "/admin/cities/mine/", "/admin/workflows/list/",
            "/admin/users/", "/admin/groups/", "/admin/collections/", "/admin/accounts/audit-log/"]
    leaks = []
    for role, user in staff_a.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            text = body_of(response)
            if response.status_code == 200 and (B_MARK in text or city_b.city.title in text) or response.status_code >= 500:
                leaks.append((role, url, response.status_code))
    assert leaks == [], "\n".join(map(str, leaks))
