"""Documents uploaded before this app existed move into it: the rows keep their ids (pages
link documents by id), the files move from public media to the private storage, tags and
the groups' permissions follow them."""

from django.contrib.auth.management import create_permissions
from django.core.files.storage import storages
from django.core.management.color import no_style
from django.db import connection, migrations

FIELDS = ["id", "title", "file", "created_at", "uploaded_by_user_id", "collection_id", "file_size", "file_hash"]


def move(apps, schema_editor):
    Old, New = apps.get_model("wagtaildocs", "Document"), apps.get_model("documents", "Document")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old_documents = list(Old.objects.all())
    public, private = storages["default"], storages["private"]
    for old in old_documents:
        name = old.file.name
        if name and public.exists(name) and not private.exists(name):
            with public.open(name, "rb") as source:
                name = private.save(name, source)
        New.objects.create(**{field: getattr(old, field) for field in FIELDS if field != "file"}, file=name)
    if old_documents:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [New]):
                cursor.execute(statement)
    old_type = ContentType.objects.filter(app_label="wagtaildocs", model="document").first()
    if old_type is None:
        return
    new_type, _created = ContentType.objects.get_or_create(app_label="documents", model="document")
    apps.get_model("taggit", "TaggedItem").objects.filter(content_type=old_type).update(content_type=new_type)
    # Permissions are made after all migrations; the groups need this model's now.
    config = apps.get_app_config("documents")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    for old_permission in Permission.objects.filter(content_type=old_type):
        new_permission = Permission.objects.filter(content_type=new_type, codename=old_permission.codename).first()
        if new_permission is None:
            continue
        for group in old_permission.group_set.all():
            group.permissions.add(new_permission)
        for grant in GroupCollectionPermission.objects.filter(permission=old_permission):
            GroupCollectionPermission.objects.get_or_create(
                group_id=grant.group_id, collection_id=grant.collection_id, permission=new_permission
            )
    for old in old_documents:
        if old.file.name and public.exists(old.file.name):
            public.delete(old.file.name)
    Old.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
