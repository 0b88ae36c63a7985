"""The banner below articles used to be two fields of the site settings: each site's becomes
a banner of the article place, before the portal drops the fields."""

from django.db import migrations


def settings_to_banners(apps, schema_editor):
    PortalSettings = apps.get_model("portal", "PortalSettings")
    Banner = apps.get_model("banners", "Banner")
    for portal in PortalSettings.objects.exclude(banner_image=None).select_related("site", "banner_image"):
        Banner.objects.create(
            name=f"{portal.site_name}：文章底部横幅", position="article_bottom", image=portal.banner_image,
            alt_text=portal.banner_image.title[:150] or portal.site_name, link=portal.banner_link,
            target_id=portal.site.root_page_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("banners", "0001_initial"),
        ("portal", "0003_portalsettings_share_image"),
    ]
    run_before = [("portal", "0004_remove_portalsettings_banner_image_and_more")]

    operations = [migrations.RunPython(settings_to_banners, migrations.RunPython.noop)]
