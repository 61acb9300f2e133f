import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

# The adjacent words of a search document, for phrase search (notes.search): every pair of
# lexemes at positions p and p + 1, as a hash of "first second". A note has a phrase's
# words next to each other only if it has every pair of the phrase, so a GIN index over
# these finds a phrase's notes without reading each document that has both words. A hash
# may collide; the full-text match that follows is exact.
FUNCTIONS_SQL = """
CREATE FUNCTION notes_word_pairs(document tsvector) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH words AS (SELECT lexeme, unnest(positions) AS position FROM unnest(document))
    SELECT coalesce(array_agg(DISTINCT hashtext(a.lexeme || ' ' || b.lexeme)), '{}')
    FROM words AS a JOIN words AS b ON b.position = a.position + 1
$$;

CREATE FUNCTION notes_phrase_pairs(config regconfig, phrases text[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT pair), '{}')
    FROM unnest(phrases) AS phrase,
         unnest(notes_word_pairs(to_tsvector(config, phrase))) AS pair
$$;
"""
DROP_FUNCTIONS_SQL = """
DROP FUNCTION notes_phrase_pairs(regconfig, text[]);
DROP FUNCTION notes_word_pairs(tsvector);
"""
# Rewrites every note once: on a large table, run it at a quiet time.
FILL_SQL = """
UPDATE notes_note SET search_pairs = notes_word_pairs(search_vector)
WHERE search_vector IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0012_public_changes_at_commit"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL),
        migrations.AddField(
            model_name="note",
            name="search_pairs",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.IntegerField(), editable=False, null=True, size=None
            ),
        ),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="note",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_pairs"], name="notes_note_search_pairs_idx"
            ),
        ),
    ]
