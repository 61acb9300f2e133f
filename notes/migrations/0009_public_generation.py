from django.db import migrations, models

# The public generation (``notes.models.Generation``): every statement that inserts or
# deletes notes or papers, or updates a column that public pieces are made of, gives the
# ``public`` row a new number, in its own transaction. Counting a view (``view_count``) and
# the other counters of a note leave it alone.
NOTE_COLUMNS = (
    "paper_id, author_id, tag_names, paper_title, search_head, visibility, deleted_at, hidden_at"
)
PAPER_COLUMNS = "title, year, rating_count, rating_sum"

TRIGGERS_SQL = f"""
CREATE SEQUENCE notes_generation_seq;
INSERT INTO notes_generation (key, value) VALUES ('public', nextval('notes_generation_seq'));

CREATE FUNCTION notes_next_public_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notes_generation (key, value) VALUES ('public', nextval('notes_generation_seq'))
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;

CREATE TRIGGER notes_note_public_generation
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {NOTE_COLUMNS} ON notes_note
FOR EACH STATEMENT EXECUTE FUNCTION notes_next_public_generation();

CREATE TRIGGER notes_paper_public_generation
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {PAPER_COLUMNS} ON notes_paper
FOR EACH STATEMENT EXECUTE FUNCTION notes_next_public_generation();
"""

DROP_SQL = """
DROP TRIGGER notes_paper_public_generation ON notes_paper;
DROP TRIGGER notes_note_public_generation ON notes_note;
DROP FUNCTION notes_next_public_generation();
DROP SEQUENCE notes_generation_seq;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0008_note_foreign_keys_share_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("key", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(TRIGGERS_SQL, DROP_SQL),
    ]
