"""An index on Wagtail's page table in the order of every article list: newest first, ties
by tree path (see ArticlePageQuerySet.listing). Without it SQLite sorts all pages for each list (a temporary B-tree), a cost that
grows with the archive; with it the database walks the index and stops after one page."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            sql='CREATE INDEX portal_page_newest_idx ON wagtailcore_page (first_published_at DESC, path DESC)',
            reverse_sql="DROP INDEX portal_page_newest_idx",
        ),
    ]
