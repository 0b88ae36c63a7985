import django.db.models.deletion
from django.db import migrations, models


def move_rank_data(apps, schema_editor):
    """PostgreSQL: the ranking data leaves the narrow table of words for one of its own.
    Counting a word reads every heap page holding a match: with rank_vector in the row, 9
    rows fitted in a page and counting 美国 (33,272 of 100,000 articles) read 11,070 pages
    in 46 ms. The first character of each word found once comes beside it, so that ranking
    a one-character query no longer reads the whole vectors from TOAST. The words' table
    is rewritten without the dropped columns (CLUSTER, its index dropped first and built
    afresh: as long as one GIN build)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [
        "ALTER TABLE search_searchrank ADD COLUMN term_count integer NOT NULL DEFAULT 0, "
        "ADD COLUMN rank_vector tsvector NOT NULL DEFAULT '', ADD COLUMN once_initials text NOT NULL DEFAULT ''",
        # In the row, uncompressed: a row is about 3 KB, and reading it should not mean
        # reading TOAST or decompressing.
        "ALTER TABLE search_searchrank ALTER COLUMN rank_vector SET STORAGE MAIN, "
        "ALTER COLUMN once_initials SET STORAGE MAIN",
        "ALTER TABLE search_searchrank SET (toast_tuple_target = 8160)",
        "ALTER TABLE search_searchrank ADD CONSTRAINT search_rank_document FOREIGN KEY (sort_key) "
        "REFERENCES search_searchdocument (sort_key) ON DELETE CASCADE",
        # The words found once are those of the vector missing from rank_vector, less the
        # scope words (#c12).
        "INSERT INTO search_searchrank (sort_key, term_count, rank_vector, once_initials) "
        "SELECT sort_key, term_count, rank_vector, ("
        "  SELECT coalesce(string_agg(left(lexeme, 1), ''), '') "
        "  FROM unnest(ts_delete(words.vector, tsvector_to_array(words.rank_vector))) WHERE left(lexeme, 1) <> '#'"
        ") FROM search_searchvector AS words",
        "DROP INDEX search_vector_idx",
        "ALTER TABLE search_searchvector DROP COLUMN rank_vector, DROP COLUMN term_count",
        "CLUSTER search_searchvector USING search_searchvector_pkey",
        "CREATE INDEX search_vector_idx ON search_searchvector USING gin (vector) WITH (fastupdate = off)",
    ]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_rank_vectors")]

    operations = [
        migrations.CreateModel(
            name="SearchRank",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        db_column="sort_key", db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True, related_name="+", serialize=False, to="search.searchdocument",
                        to_field="sort_key",
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_rank_data, migrations.RunPython.noop),
    ]
