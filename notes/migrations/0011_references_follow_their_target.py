import django.db.models.deletion
from django.db import migrations, models

# Until now only the {N} that became links were kept (as NoteReference rows), and none of
# comments. Rows for every existing note a text cites let a change of that note's
# visibility, trash or hidden state find the texts to render again. The rows already there
# are the links of each note's current revision; the ones added here are what was not
# linked (a {N} inside code among them, which stays unlinked when rendered again).
CITED = r"""
    CROSS JOIN LATERAL (
        SELECT DISTINCT (regexp_matches({text}, '\{{([1-9][0-9]{{0,9}})\}}', 'g'))[1]::bigint
            AS number
    ) AS cited
    WHERE {text} LIKE '%{{%' AND EXISTS (SELECT FROM notes_note AS t WHERE t.id = cited.number)
"""
BACKFILL_SQL = f"""
INSERT INTO notes_notereference (source_id, target_id, linked)
SELECT n.id, cited.number, false FROM notes_note AS n
{CITED.format(text="n.body")} AND cited.number <> n.id
ON CONFLICT (source_id, target_id) DO NOTHING;

INSERT INTO notes_commentreference (comment_id, target_id)
SELECT c.id, cited.number FROM notes_comment AS c
{CITED.format(text="c.body")}
ON CONFLICT (comment_id, target_id) DO NOTHING;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0010_note_body_digest'),
    ]

    operations = [
        migrations.AddField(
            model_name='notereference',
            name='linked',
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.CreateModel(
            name='CommentReference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('comment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='references', to='notes.comment')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cited_by_comments', to='notes.note')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('comment', 'target'), name='notes_comment_reference_once')],
            },
        ),
        migrations.RunSQL(BACKFILL_SQL, migrations.RunSQL.noop),
    ]
