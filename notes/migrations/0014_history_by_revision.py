from django.db import migrations

# A note's history page reads one page of its revisions, newest first, and counts them; the
# revision bar reads the newest few and the oldest. With this index each is a short walk
# of the index (visibility included, for readers who see only the public revisions),
# whatever the number of revisions. The historical model is made by django-simple-history,
# so the index is kept here rather than in its Meta.
INDEX_SQL = """
CREATE INDEX notes_historicalnote_revision_idx
ON notes_historicalnote (id, revision) INCLUDE (visibility)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0013_search_pairs"),
    ]

    operations = [
        migrations.RunSQL(INDEX_SQL, "DROP INDEX notes_historicalnote_revision_idx"),
    ]
