from django.db import migrations

# notes_fold: Arabic as people type it (notes.search.fold folds the same characters the
# same way): the marks (tashkeel and Quranic marks) and tatweel dropped, every alef one alef,
# ta marbuta ha, alef maqsura ya. translate() drops the characters of its second argument
# that have no counterpart in the third.
_MARKS = "".join(
    chr(code)
    for code in [
        *range(0x064B, 0x0660),  # fathatan … wavy hamza below
        0x0670,  # superscript alef
        *range(0x06D6, 0x06DD),  # Quranic annotation marks
        *range(0x06DF, 0x06E9),
        *range(0x06EA, 0x06EE),
        0x0640,  # tatweel
    ]
)
_FROM = "\u0623\u0625\u0622\u0671\u0629\u0649" + _MARKS
_TO = "\u0627\u0627\u0627\u0627\u0647\u064a"

FUNCTION_SQL = f"""
CREATE FUNCTION notes_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate($1, '{_FROM}', '{_TO}')
$$;
"""
DROP_FUNCTION_SQL = "DROP FUNCTION notes_fold(text);"

# The search data of the notes that have Arabic in their text, title, authors or tags, as
# notes.search builds it; the others do not change.
REFRESH_SQL = r"""
UPDATE notes_note AS t
SET search_head = d.search_head,
    search_vector = d.search_vector,
    search_pairs = notes_word_pairs(d.search_vector)
FROM (
    SELECT h.id, h.search_head,
           h.search_head
           || setweight(to_tsvector('english', notes_fold(coalesce(h.body_text, ''))), 'C')
           AS search_vector
    FROM (
        SELECT n.id, n.body_text,
               setweight(to_tsvector('english', notes_fold(coalesce(p.title, ''))), 'A')
               || setweight(
                   to_tsvector('english', notes_fold(array_to_string(n.tag_names, ' '))), 'A'
               )
               || setweight(to_tsvector('english', notes_fold(coalesce(p.authors, ''))), 'B')
               AS search_head
        FROM notes_note AS n JOIN notes_paper AS p ON p.id = n.paper_id
        WHERE n.search_vector IS NOT NULL
          AND (n.body_text ~ '[\u0600-\u06ff]' OR p.title ~ '[\u0600-\u06ff]'
               OR p.authors ~ '[\u0600-\u06ff]'
               OR array_to_string(n.tag_names, ' ') ~ '[\u0600-\u06ff]')
        OFFSET 0
    ) AS h
) AS d
WHERE t.id = d.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0016_title_index_lower_case"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, DROP_FUNCTION_SQL),
        migrations.RunSQL(REFRESH_SQL, migrations.RunSQL.noop),
    ]
