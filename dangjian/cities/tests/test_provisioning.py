"""Provisioning a city (services.city_provision): everything the city needs, scoped to its
subtree and collection, in one transaction."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PagePermissionTester,
    Task,
    Workflow,
    WorkflowPage,
)

from dangjian.cities import selectors, services
from dangjian.cities.models import CityChannelPage, CityDirectoryPage, CityGroup, CityRole
from dangjian.cities.tests.fixtures import city_staff, make_city
from dangjian.contributions.tests.fixtures import make_user
from dangjian.portal.models import ChannelPage


def test_a_city_gets_its_page_columns_groups_collection_and_workflow(two_cities, portal_site):
    city, other = two_cities
    assert city.live and city.url == f"/city/{city.slug}/"
    assert city.get_parent().specific_class is CityDirectoryPage
    assert [c.title for c in ChannelPage.objects.child_of(city).live()] == ["工作动态", "基层风采", "通知公告"]
    assert city.region_name == "辽宁省沈阳市" and city.province_code == "210000"
    roles = {g.role: g.group for g in CityGroup.objects.filter(city=city)}
    assert set(roles) == set(CityRole.values)
    for group in roles.values():
        # Page permissions on this city only, collection permissions on its collection only.
        assert set(GroupPagePermission.objects.filter(group=group).values_list("page_id", flat=True)) == {city.pk}
        assert set(GroupCollectionPermission.objects.filter(group=group).values_list("collection_id", flat=True)) == {city.collection_id}
        assert list(group.permissions.values_list("codename", flat=True)) == ["access_admin"]
    workflow = city.get_workflow()
    assert workflow is not None and workflow != other.get_workflow()
    stages = [list(task.specific.groups.all()) for task in workflow.tasks.order_by("workflow_tasks__sort_order")]
    assert stages == [[roles[CityRole.FIRST_REVIEW]], [roles[CityRole.SECOND_REVIEW]], [roles[CityRole.FINAL_REVIEW]]]
    # Articles in the city's columns take the city's workflow, not the national one.
    assert ChannelPage.objects.child_of(city).first().get_workflow() == workflow
    assert portal_site.channels[0].get_workflow() != workflow


def test_a_citys_staff_act_on_their_city_only(two_cities, portal_site):
    city, other = two_cities
    staff = city_staff(city)
    column, other_column = ChannelPage.objects.child_of(city).first(), ChannelPage.objects.child_of(other).first()
    for role, user in staff.items():
        mine = PagePermissionTester(user, column)
        assert mine.can_edit() and mine.can_add_subpage(), role
        assert mine.can_publish() == (role in (CityRole.ADMIN, CityRole.FINAL_REVIEW)), role
        for page in (other_column, other, portal_site.channels[0], portal_site.home):
            theirs = PagePermissionTester(user, page)
            assert not (theirs.can_edit() or theirs.can_add_subpage() or theirs.can_publish() or theirs.can_delete()), (role, page)
        assert not user.has_perm("wagtailimages.add_image")  # only through the city's collection


def test_the_applicant_administers_the_city(portal_site, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    admin = make_user("applicant")
    city = make_city(admin=admin)
    assert selectors.city_of_user(admin) == city
    added = services.city_staff_add(city=city, role=CityRole.FIRST_REVIEW, phone="13912345678", by=admin)
    assert added.phone == "+8613912345678" and not added.phone_verified
    assert added.groups.filter(city_group__city=city, city_group__role=CityRole.FIRST_REVIEW).exists()
    with pytest.raises(services.CityError):
        services.city_staff_add(city=city, role=CityRole.FIRST_REVIEW, phone="12345", by=admin)
    services.city_staff_remove(city=city, role=CityRole.FIRST_REVIEW, user=added, by=admin)
    assert not added.groups.exists()
    with pytest.raises(services.CityError):
        services.city_staff_remove(city=city, role=CityRole.ADMIN, user=admin, by=admin)


def _counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(), "groups": Group.objects.count(), "page permissions": GroupPagePermission.objects.count(),
        "collection permissions": GroupCollectionPermission.objects.count(), "collections": Collection.objects.count(),
        "workflows": Workflow.objects.count(), "tasks": Task.objects.count(), "workflow pages": WorkflowPage.objects.count(),
        "city groups": CityGroup.objects.count(), "group memberships": Group.user_set.through.objects.count(),
        "group model permissions": Group.permissions.through.objects.count(), "permissions": Permission.objects.count(),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failure_in_the_last_step_leaves_nothing_behind(portal_site, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_city(region_code="210100")  # the directory exists already, as on a running site
    admin = make_user("applicant")
    before = _counts()
    last = services.PROVISION_STEPS[-1]

    def fails_after_its_work(p):
        last(p)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "PROVISION_STEPS", [*services.PROVISION_STEPS[:-1], fails_after_its_work])
    with pytest.raises(RuntimeError):
        services.city_provision(title="大连党建", slug="dalian", region_code="210200", organization="中共大连市委组织部",
                                description="", admin=admin, user=None)
    assert _counts() == before
    assert not CityChannelPage.objects.filter(region_code="210200").exists()
    assert not admin.groups.exists()
    monkeypatch.undo()
    with transaction.atomic():
        city = services.city_provision(title="大连党建", slug="dalian", region_code="210200", organization="中共大连市委组织部",
                                       description="", admin=admin, user=None)
    assert city.live and selectors.city_of_user(admin) == city


def test_a_region_or_an_address_is_provisioned_once(two_cities):
    city, _other = two_cities
    admin = make_user("applicant")
    with pytest.raises(services.CityError, match="已有城市频道"):
        services.city_provision(title="又一个", slug="another", region_code=city.region_code, organization="x",
                                description="", admin=admin, user=None)
    with pytest.raises(services.CityError, match="网址"):
        services.city_provision(title="又一个", slug=city.slug, region_code="210200", organization="x",
                                description="", admin=admin, user=None)
