from django.db import migrations


def store_uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from dangjian.search.backends import PostgresEngine

        schema_editor.execute(PostgresEngine.storage_sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(store_uncompressed, migrations.RunPython.noop)]
