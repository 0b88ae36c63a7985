"""Roles are groups made by a migration with permissions from code; the auditor reads the
login records and can change nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission

from dangjian.accounts import roles
from dangjian.accounts.services import login_record_add
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def test_every_role_exists_with_the_permissions_defined_in_code():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    for name, (model_perms, page_perms) in roles.ROLES.items():
        group = Group.objects.get(name=name)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert have == set(model_perms), name
        assert set(GroupPagePermission.objects.filter(group=group).values_list("permission__codename", flat=True)) == set(page_perms), name
    assert "publish_page" not in roles.ROLES[roles.FIRST_REVIEW][1]  # only the final review publishes


def test_wagtails_seeded_groups_and_workflow_are_gone_and_only_the_roles_and_three_stage_review_remain():
    from wagtail.models import Task, Workflow

    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLES)
    assert list(Workflow.objects.values_list("name", flat=True)) == ["三审"]
    assert set(Task.objects.values_list("name", flat=True)) == {"初审", "复审", "终审"}


def member(name: str, role: str):
    user = get_user_model().objects.create_user(name, password="x-Long-password-1")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("role", [roles.FIRST_REVIEW, roles.SECOND_REVIEW, roles.FINAL_REVIEW, roles.SITE_ADMIN])
def test_editors_reach_the_image_and_document_libraries(client, role):
    # Wagtail checks these per collection: a group's model permissions alone open nothing.
    client.force_login(member("editor", role))
    assert client.get("/admin/images/").status_code == 200
    assert client.get("/admin/documents/").status_code == 200
    assert client.get("/admin/images/chooser/").status_code == 200


def test_readers_and_auditors_do_not(client):
    for role in (roles.READER, roles.AUDITOR):
        client.force_login(member(f"no-library-{role}", role))
        assert client.get("/admin/images/").status_code in (302, 403)


def test_the_auditor_reads_login_records_and_changes_nothing(client, portal_site):
    login_record_add(identifier="+8613800138000", method="sms", result="success", ip="10.1.1.1", user_agent="UA")
    client.force_login(member("auditor", roles.AUDITOR))
    page = client.get("/admin/accounts/login-records/")
    assert page.status_code == 200 and "138****8000" in page.content.decode() and "13800138000" not in page.content.decode()
    article = make_article(portal_site.channels[0])
    assert client.get(f"/admin/pages/{article.pk}/edit/").status_code in (302, 403)
    assert client.post(f"/admin/pages/{article.pk}/delete/").status_code in (302, 403)
    article.refresh_from_db()
    assert article.live
    assert client.get("/admin/users/").status_code in (302, 403)
    audit = client.get("/admin/accounts/audit-log/").content.decode()
    assert article.title in audit  # Wagtail's own log of the article's creation, readable to the auditor
    assert client.get("/admin/settings/portal/portalsettings/").status_code in (302, 403)


def test_others_cannot_read_login_records(client):
    client.force_login(member("editor", roles.FIRST_REVIEW))
    assert client.get("/admin/accounts/login-records/").status_code == 302  # Wagtail's "permission denied"
    assert client.get("/admin/").status_code == 200  # but editors do use the admin


def test_site_admins_see_the_sms_budget_with_a_warning_near_the_cap(client, settings, sms_outbox):
    from dangjian.accounts import services
    from dangjian.accounts.models import PhoneCode

    settings.SMS_DAILY_BUDGET, settings.SMS_BUDGET_WARNING, settings.SMS_RESERVE_PERCENT = 3, 2, 0
    client.force_login(member("admin", roles.SITE_ADMIN))
    assert "今日已发送 0 条，每日预算 3 条" in client.get("/admin/").content.decode()
    for n in range(4):
        services.phone_code_request(phone=f"+861380013800{n}", purpose=PhoneCode.Purpose.LOGIN, ip=f"10.0.0.{n}", session_key=f"s{n}")
    home = client.get("/admin/").content.decode()
    assert "今日已发送 3 条" in home and "即将用完每日预算" in home
    assert len(sms_outbox()) == 3  # the cap is a hard stop
    client.force_login(member("editor", roles.FIRST_REVIEW))
    assert "今日短信" not in client.get("/admin/").content.decode()


def test_the_audit_log_exports(client, portal_site):
    make_article(portal_site.channels[0], title="审计用文章")
    client.force_login(member("auditor", roles.AUDITOR))
    response = client.get("/admin/accounts/audit-log/", {"export": "csv"})
    assert "审计用文章" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_login_records_are_kept_180_days_then_purged():
    import datetime as dt

    from django.utils import timezone

    from dangjian.accounts.models import LoginRecord
    from dangjian.accounts.tasks import purge_account_records

    for days in (179, 181):
        login_record_add(identifier="someone", method="password", result="success", ip="10.0.0.1", user_agent="")
        LoginRecord.objects.filter(created_at__gt=timezone.now() - dt.timedelta(minutes=1)).update(
            created_at=timezone.now() - dt.timedelta(days=days))
    purge_account_records.call()
    ages = [(timezone.now() - created).days for created in LoginRecord.objects.values_list("created_at", flat=True)]
    assert ages == [179]
