from django.db import migrations

# How many notes have a phrase's word pairs, as PostgreSQL estimates it, decides how a
# phrase's notes are read (notes.selectors.search, ``_recent_phrase_ids``). With the
# default statistics target the column's most common pairs are the thousand most common,
# in more than 1.7 % of the notes at a million; every other pair, whether in 1.5 % or in
# 0.01 % of them, was estimated at 0.5 %. Ten thousand pairs are listed with this target
# (down to about 0.2 % of the notes there), and a pair not listed is estimated below the
# rarest listed. ANALYZE of the notes samples ten times the rows for it: 16 s instead of
# 1.5 s at a million notes (autovacuum runs it after a tenth of the notes changed).
FORWARD_SQL = "ALTER TABLE notes_note ALTER COLUMN search_pairs SET STATISTICS 1000"
BACKWARD_SQL = "ALTER TABLE notes_note ALTER COLUMN search_pairs SET STATISTICS -1"


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0023_public_tagged"),
    ]

    operations = [migrations.RunSQL(FORWARD_SQL, BACKWARD_SQL)]
