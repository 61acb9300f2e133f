from django.db import migrations, models

# The public generation and the public counts change at commit, last of all, instead of in
# the middle of every writing transaction (see notes.generations for why this is safe).
#
# - A statement trigger on the notes, papers and count changes marks the transaction: the
#   first time, it inserts a row into notes_publicchange; every time, it gives the
#   transaction a generation of its own (``notes.public_generation``), which only that
#   transaction can read.
# - A deferred constraint trigger on notes_publicchange fires at commit. Deferred events
#   fire in the order they were queued, and the marker was queued by the first change, so
#   the foreign-key checks of later statements would still follow it; its first firing
#   therefore only touches the marker, which queues one more event behind every event of
#   the transaction. That one adds the transaction's count changes to notes_publiccount in
#   key order and then gives the generation row a new number.
#
# A transaction thus holds the shared rows only from its last step to its commit, and
# always in the same order (count keys, then the generation), after every other lock it
# takes: they can never close a cycle of waits.
NOTE_COLUMNS = (
    "paper_id, author_id, tag_names, paper_title, search_head, visibility, deleted_at, hidden_at"
)
PAPER_COLUMNS = "title, year, rating_count, rating_sum"

FORWARD_SQL = f"""
DROP TRIGGER notes_paper_public_generation ON notes_paper;
DROP TRIGGER notes_note_public_generation ON notes_note;
DROP FUNCTION notes_next_public_generation();

CREATE TABLE notes_publicchange (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applying boolean NOT NULL DEFAULT false
);

CREATE FUNCTION notes_public_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Settings first: with constraints set immediate (SET CONSTRAINTS), the insert below
    -- applies the change at once and clears them.
    PERFORM set_config('notes.public_generation', nextval('notes_generation_seq')::text, true);
    IF coalesce(current_setting('notes.public_change', true), '') = '' THEN
        PERFORM set_config('notes.public_change', 'queued', true);
        INSERT INTO notes_publicchange DEFAULT VALUES;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION notes_public_change_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.applying THEN
        UPDATE notes_publicchange SET applying = true WHERE id = NEW.id;
        RETURN NULL;
    END IF;
    INSERT INTO notes_publiccount (key, count)
    SELECT key, sum(delta) FROM notes_publiccountdelta GROUP BY key ORDER BY key
    ON CONFLICT (key) DO UPDATE SET count = notes_publiccount.count + EXCLUDED.count;
    DELETE FROM notes_publiccountdelta;
    INSERT INTO notes_generation (key, value) VALUES ('public', nextval('notes_generation_seq'))
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    DELETE FROM notes_publicchange WHERE id = NEW.id;
    PERFORM set_config('notes.public_change', '', true);
    PERFORM set_config('notes.public_generation', '', true);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER notes_publicchange_at_commit
AFTER INSERT OR UPDATE ON notes_publicchange
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION notes_public_change_at_commit();

CREATE TRIGGER notes_note_public_change
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {NOTE_COLUMNS} ON notes_note
FOR EACH STATEMENT EXECUTE FUNCTION notes_public_changed();

CREATE TRIGGER notes_paper_public_change
AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {PAPER_COLUMNS} ON notes_paper
FOR EACH STATEMENT EXECUTE FUNCTION notes_public_changed();

CREATE TRIGGER notes_publiccountdelta_change
AFTER INSERT ON notes_publiccountdelta
FOR EACH STATEMENT EXECUTE FUNCTION notes_public_changed();
"""

BACKWARD_SQL = f"""
DROP TRIGGER notes_publiccountdelta_change ON notes_publiccountdelta;
DROP TRIGGER notes_paper_public_change ON notes_paper;
DROP TRIGGER notes_note_public_change ON notes_note;
DROP TRIGGER notes_publicchange_at_commit ON notes_publicchange;
DROP FUNCTION notes_public_change_at_commit();
DROP FUNCTION notes_public_changed();
DROP TABLE notes_publicchange;

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


class Migration(migrations.Migration):

    dependencies = [
        ("notes", "0011_references_follow_their_target"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicCountDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=110)),
                ("delta", models.IntegerField()),
            ],
        ),
        migrations.RunSQL(FORWARD_SQL, BACKWARD_SQL),
    ]
