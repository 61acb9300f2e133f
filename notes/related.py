""" "Read also": papers related to a paper, for the paper and note pages.

A paper is related when notes on it share tags with the notes on this one, or when its
title is similar (pg_trgm). Only notes the viewer may read count (public ones and their
own, never anything in a trash), so a private note of someone else never shows through
a recommendation, and a paper is offered only when the viewer can read a note on it.

The query is bounded whatever the size of the site: at most ``TAG_CANDIDATES`` notes
found through the GIN index on ``tag_names`` and ``TITLE_CANDIDATES`` papers found
through the trigram index on titles are scored, and the best ``LIMIT`` are returned.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from notes.models import Note, Paper, Visibility

LIMIT = 5
MAX_SOURCE_TAGS = 20
TAG_CANDIDATES = 500
TITLE_CANDIDATES = 50
# One shared tag weighs as much as a title similarity of 1/3.
TITLE_WEIGHT = 3.0

# Only notes the viewer may read count: public, or their own; never in a trash.
_RELATED_SQL = """
WITH tag_hits AS (
    SELECT n.paper_id, n.tag_names FROM notes_note AS n
    WHERE n.tag_names && %(tags)s::varchar(100)[] AND n.paper_id <> %(paper)s
      AND n.deleted_at IS NULL AND (n.visibility = %(public)s OR n.author_id = %(viewer)s)
    LIMIT %(tag_candidates)s
),
by_tags AS (
    SELECT paper_id, count(DISTINCT tag) AS shared
    FROM tag_hits, unnest(tag_names) AS tag
    WHERE tag = ANY(%(tags)s::varchar(100)[])
    GROUP BY paper_id
),
by_title AS (
    SELECT p.id AS paper_id, similarity(p.title, %(title)s) AS likeness
    FROM notes_paper AS p
    WHERE p.title %% %(title)s AND p.id <> %(paper)s
      AND EXISTS (SELECT 1 FROM notes_note AS n WHERE n.paper_id = p.id
                  AND n.deleted_at IS NULL
                  AND (n.visibility = %(public)s OR n.author_id = %(viewer)s))
    ORDER BY likeness DESC, p.id DESC
    LIMIT %(title_candidates)s
),
scored AS (
    SELECT paper_id,
           coalesce(shared, 0) + %(title_weight)s * coalesce(likeness, 0) AS score
    FROM by_tags FULL OUTER JOIN by_title USING (paper_id)
)
SELECT p.*, scored.score FROM scored JOIN notes_paper AS p ON p.id = scored.paper_id
ORDER BY scored.score DESC, p.id DESC
LIMIT %(limit)s
"""


def read_also(*, paper: Paper, viewer: User, tags: Iterable[str]) -> list[Paper]:
    """Up to ``LIMIT`` papers related to ``paper`` for ``viewer``, best first.

    ``tags`` are the tags of the notes on ``paper`` that the page already shows (and
    therefore the viewer may read), so no query is spent on finding them.
    """
    source_tags = sorted(set(tags))[:MAX_SOURCE_TAGS]
    params = {
        "tags": source_tags,
        "paper": paper.pk,
        "title": paper.title,
        "public": Visibility.PUBLIC.value,
        "viewer": viewer.pk if viewer.is_authenticated else None,
        "tag_candidates": TAG_CANDIDATES,
        "title_candidates": TITLE_CANDIDATES,
        "title_weight": TITLE_WEIGHT,
        "limit": LIMIT,
    }
    return list(Paper.objects.raw(_RELATED_SQL, params))


def tags_of(notes: Iterable[Note]) -> set[str]:
    return {tag for note in notes for tag in note.tag_names}
