"""Wagtail names the top of the page tree "Root", and editors see it in the page explorer,
breadcrumbs and choosers; the portal names it in Chinese. A title an operator changed stays."""

from django.db import migrations


def rename(apps, schema_editor):
    apps.get_model("wagtailcore", "Page").objects.filter(depth=1, title="Root").update(title="全站", draft_title="全站")


def rename_back(apps, schema_editor):
    apps.get_model("wagtailcore", "Page").objects.filter(depth=1, title="全站").update(title="Root", draft_title="Root")


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_image_caption_help"), ("wagtailcore", "0002_initial_data")]
    operations = [migrations.RunPython(rename, rename_back)]
