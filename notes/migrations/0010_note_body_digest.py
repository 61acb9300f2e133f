from django.db import migrations

# The MD5 of a note's HTML, kept by PostgreSQL on every write: remembered entries are keyed
# by it (notes.fragments), and reading it does not decompress the HTML of every note listed.
# Not a model field: only notes.fragments reads it, and nothing ever writes it.
ADD_SQL = """
ALTER TABLE notes_note
ADD COLUMN body_digest char(32) GENERATED ALWAYS AS (md5(body_html)) STORED
"""
DROP_SQL = "ALTER TABLE notes_note DROP COLUMN body_digest"


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0009_public_generation"),
    ]

    operations = [migrations.RunSQL(ADD_SQL, DROP_SQL)]
