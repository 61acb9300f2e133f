from django.db import NotSupportedError, migrations, models, transaction

# Titles sort as people read them: letters whatever their case ("Deep Residual …" before
# "DRAW: …") and numbers by value ("Part 2" before "Part 10"). An ICU collation at the
# root locale with numeric ordering; deterministic, so titles equal but for case still
# have an order. Altering the column's collation rebuilds the title sort index with it,
# so a page deep in the title order is still an index walk.
#
# A PostgreSQL built without ICU (the embedded server's is one) cannot make that collation:
# there "natural" is the first of the system's own locales that exists, which orders
# letters whatever their case but numbers digit by digit, or, failing those, the C locale
# (code points, case first). A server with ICU can be moved to the full order later by
# dropping and re-making the collation and rebuilding the index.
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


FALLBACK_LOCALES = ("en_US.utf8", "en_US.UTF-8", "C.utf8", "C.UTF-8", "C")


def create_natural_collation(apps, schema_editor) -> None:
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(
                """CREATE COLLATION "natural" (provider = icu, locale = 'und-u-kn-true')"""
            )
        return
    except NotSupportedError:  # "ICU is not supported in this build"
        pass
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT collcollate FROM pg_collation WHERE collprovider = 'c' "
            "AND collcollate = ANY(%s)",
            [list(FALLBACK_LOCALES)],
        )
        present = {row[0] for row in cursor.fetchall()}
    locale = next(name for name in FALLBACK_LOCALES if name in present or name == "C")
    schema_editor.execute(f"""CREATE COLLATION "natural" (provider = libc, locale = '{locale}')""")


def drop_natural_collation(apps, schema_editor) -> None:
    schema_editor.execute('DROP COLLATION "natural"')


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0014_history_by_revision"),
    ]

    operations = [
        migrations.RunPython(create_natural_collation, drop_natural_collation),
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
