from django.db import migrations


def store_uncompressed(apps, schema_editor):
    # Compression shrank neither the vectors nor Chinese text, and trying cost writing time
    # (figures in bench/README.md).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_searchdocument ALTER COLUMN vector SET STORAGE EXTERNAL, ALTER COLUMN text SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(store_uncompressed, migrations.RunPython.noop)]
