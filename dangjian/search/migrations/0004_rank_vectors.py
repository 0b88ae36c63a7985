from django.db import migrations


def add_rank_vectors(apps, schema_editor):
    """PostgreSQL: what ranking needs, small enough to stay in the row (about 850 bytes at
    100,000 bench articles): the words an article has more than once or in its title, with
    their positions, and how many words it has. Ranking read each match's whole vector from
    TOAST before (12.4 KB): 300 of them took 6 ms from memory and 100-160 ms from disk.
    Existing rows get them from their vectors, which lose their positions as new ones have none."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [
        "ALTER TABLE search_searchvector ADD COLUMN rank_vector tsvector NOT NULL DEFAULT '', "
        "ADD COLUMN term_count integer NOT NULL DEFAULT 0",
        "ALTER TABLE search_searchvector ALTER COLUMN rank_vector SET STORAGE MAIN",
        # Every updated row would enter the GIN index again (850 words each): at 100,000
        # articles that ran for over an hour; building the index afresh takes minutes.
        "DROP INDEX search_vector_idx",
        "UPDATE search_searchvector SET vector = strip(vector), (rank_vector, term_count) = ("
        "  SELECT ts_delete(search_searchvector.vector, coalesce(array_agg(lexeme) FILTER ("
        "    WHERE cardinality(positions) < 2 AND NOT 'A' = ANY(weights)), '{}')), coalesce(sum(cardinality(positions)), 0)"
        "  FROM unnest(search_searchvector.vector))",
        "CREATE INDEX search_vector_idx ON search_searchvector USING gin (vector) WITH (fastupdate = off)",
    ]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_words_table")]

    operations = [migrations.RunPython(add_rank_vectors, migrations.RunPython.noop)]
