from django.contrib.postgres.operations import CreateCollation
from django.db import migrations, models

# Titles sort as people read them: letters whatever their case ("Deep Residual …" before
# "DRAW: …") and numbers by value ("Part 2" before "Part 10"). An ICU collation at the
# root locale with numeric ordering; deterministic, so titles equal but for case still
# have an order. Altering the column's collation rebuilds the title sort index with it,
# so a page deep in the title order is still an index walk.
#
# PostgreSQL alters no column that a trigger names (0012's trigger on the public columns),
# so the trigger is dropped for the change and made again as it was.
DROP_TRIGGER_SQL = "DROP TRIGGER notes_note_public_change ON notes_note"
CREATE_TRIGGER_SQL = """
CREATE TRIGGER notes_note_public_change
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF
    paper_id, author_id, tag_names, paper_title, search_head, visibility, deleted_at, hidden_at
ON notes_note
FOR EACH STATEMENT EXECUTE FUNCTION notes_public_changed()
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0014_history_by_revision"),
    ]

    operations = [
        CreateCollation("natural", provider="icu", locale="und-u-kn-true"),
        migrations.RunSQL(DROP_TRIGGER_SQL, CREATE_TRIGGER_SQL),
        migrations.AlterField(
            model_name="note",
            name="paper_title",
            field=models.CharField(
                blank=True, db_collation="natural", editable=False, max_length=500
            ),
        ),
        migrations.RunSQL(CREATE_TRIGGER_SQL, DROP_TRIGGER_SQL),
    ]
