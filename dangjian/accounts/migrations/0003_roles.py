from django.db import migrations

from dangjian.accounts.roles import roles_create


def create_roles(apps, schema_editor):
    roles_create(group_model=apps.get_model("auth", "Group"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_phone_login"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
