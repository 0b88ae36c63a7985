"""The role groups as they were named when this migration was written: a migration does
not read live code, which may change after it has run (roles.roles_sync gives the groups
their permissions after every migrate)."""

from django.db import migrations

ROLE_NAMES = ["读者", "投稿人", "编辑/初审", "复审", "终审/总编辑", "站点管理员", "审计员"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_phone_login"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
