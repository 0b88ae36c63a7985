"""Documents uploaded before the documents app move into it (migration 0002)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(documents_migration: str):
    """Every app at its newest migration, the documents app at this one; the models then."""
    executor = MigrationExecutor(connection)
    targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "documents"]
    targets.append(("documents", documents_migration))
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_wagtail_documents_move_with_their_ids_files_tags_and_permissions():
    old_apps = migrate("0001_initial")
    Old = old_apps.get_model("wagtaildocs", "Document")
    Group, Permission = old_apps.get_model("auth", "Group"), old_apps.get_model("auth", "Permission")
    # An earlier transactional test may have emptied the tables, the root collection with them.
    root, _created = old_apps.get_model("wagtailcore", "Collection").objects.get_or_create(
        depth=1, defaults={"name": "Root", "path": "0001", "numchild": 0})
    GroupCollectionPermission = old_apps.get_model("wagtailcore", "GroupCollectionPermission")
    name = storages["default"].save("documents/旧文件.txt", ContentFile("旧的正文".encode()))
    old = Old.objects.create(id=41, title="旧文件", file=name, collection=root, file_size=12)
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    tag = old_apps.get_model("taggit", "Tag").objects.create(name="学习", slug="xuexi")
    old_apps.get_model("taggit", "TaggedItem").objects.create(
        tag=tag, object_id=41, content_type=ContentType.objects.get(app_label="wagtaildocs", model="document")
    )
    group = Group.objects.create(name="市级管理员")
    choose, _created = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_or_create(app_label="wagtaildocs", model="document")[0],
        codename="choose_document", defaults={"name": "Can choose document"})
    GroupCollectionPermission.objects.create(group=group, collection=root, permission=choose)

    new_apps = migrate("0002_move_wagtail_documents")
    New = new_apps.get_model("documents", "Document")
    moved = New.objects.get(pk=41)
    assert (moved.title, moved.file.name, moved.file_size) == ("旧文件", name, 12)
    assert storages["private"].open(name).read() == "旧的正文".encode()
    assert not storages["default"].exists(name)
    assert not new_apps.get_model("wagtaildocs", "Document").objects.filter(pk=old.pk).exists()
    assert (
        new_apps.get_model("wagtailcore", "GroupCollectionPermission")
        .objects.filter(
            group__name="市级管理员",
            permission__content_type__app_label="documents",
            permission__codename="choose_document",
        )
        .exists()
    )
    assert (
        new_apps.get_model("taggit", "TaggedItem").objects.get(tag__name="学习").content_type.app_label == "documents"
    )
    assert New.objects.create(title="新文件", file="documents/x.txt").pk > 41  # the id sequence follows
    storages["private"].delete(name)
