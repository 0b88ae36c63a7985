"""The roles, as Django groups. A migration creates the groups; their permissions are
defined here and applied after every `migrate` (permissions themselves only exist once
all migrations have run, so a migration alone could not grant them)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

READER, CONTRIBUTOR, FIRST_REVIEW, SECOND_REVIEW, FINAL_REVIEW, SITE_ADMIN, AUDITOR = (
    "读者", "投稿人", "编辑/初审", "复审", "终审/总编辑", "站点管理员", "审计员",
)
ADMIN = "wagtailadmin.access_admin"
IMAGES = ["wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image"]
DOCUMENTS = ["documents.add_document", "documents.change_document", "documents.choose_document"]
# Sensitive-word lists: reviewers read them, the chief editor and site admins keep them.
WORDS_VIEW = ["contributions.view_sensitiveword"]
WORDS = [*WORDS_VIEW, "contributions.add_sensitiveword", "contributions.change_sensitiveword",
         "contributions.delete_sensitiveword"]
# The search dictionary and the record of what readers search for.
SEARCH = ["search.add_searchword", "search.change_searchword", "search.delete_searchword", "search.view_searchword",
          "search.view_searchqueryday"]

# Model permissions ("app_label.codename") and page permissions on the whole page tree.
ROLES: dict[str, tuple[list[str], list[str]]] = {
    READER: ([], []),
    # Contributors work on the public site only; contributing also needs a verified phone.
    CONTRIBUTOR: ([], []),
    FIRST_REVIEW: ([ADMIN, *IMAGES, *DOCUMENTS, *SEARCH, *WORDS_VIEW], ["add_page", "change_page"]),
    SECOND_REVIEW: ([ADMIN, *IMAGES, *DOCUMENTS, *SEARCH, *WORDS_VIEW], ["add_page", "change_page"]),
    FINAL_REVIEW: ([ADMIN, *IMAGES, *DOCUMENTS, *SEARCH, *WORDS], ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]),
    SITE_ADMIN: (
        [ADMIN, *IMAGES, *DOCUMENTS, *SEARCH, *WORDS, "wagtailimages.delete_image", "documents.delete_document",
         "accounts.add_user", "accounts.change_user", "accounts.delete_user", "auth.add_group", "auth.change_group",
         "portal.change_portalsettings", "portal.add_mourningperiod",
         "portal.change_mourningperiod", "portal.delete_mourningperiod", "portal.view_mourningperiod", "wagtailcore.add_site", "wagtailcore.change_site",
         "wagtailredirects.add_redirect", "wagtailredirects.change_redirect", "wagtailredirects.delete_redirect",
         "accounts.view_loginrecord"],
        ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"],
    ),
    AUDITOR: ([ADMIN, "accounts.view_loginrecord"], []),
}


def role_permissions_add(role: str, permissions: list[str]) -> None:
    """Model permissions a feature app gives a role (from its AppConfig.ready)."""
    model_permissions = ROLES[role][0]
    model_permissions.extend(perm for perm in permissions if perm not in model_permissions)


# Wagtail checks image and document permissions per collection (GroupCollectionPermission),
# not the group's model permissions: the roles hold them on the root collection, so they
# reach every collection (a city's own collection gets its admins' in cities.services).
COLLECTION_APPS = ("wagtailimages", "documents")


def _collection_permissions_set(group: Group, permissions: list[Permission]) -> None:
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    if root is None:
        return
    GroupCollectionPermission.objects.filter(group=group, collection=root).exclude(permission__in=permissions).delete()
    for permission in permissions:
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


def roles_sync(**kwargs) -> None:
    """Give each role exactly the permissions above (post_migrate handler)."""
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    for name, (model_perms, page_perms) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        query = Q(pk__in=[])
        for perm in model_perms:
            app_label, codename = perm.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        wanted = list(Permission.objects.filter(query).select_related("content_type"))
        group.permissions.set(wanted)
        _collection_permissions_set(group, [perm for perm in wanted if perm.content_type.app_label in COLLECTION_APPS])
        if root is None:
            continue
        GroupPagePermission.objects.filter(group=group).exclude(permission__codename__in=page_perms).delete()
        for codename in page_perms:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
