"""\"Read also\": papers related to a paper, for the paper and note pages.

Candidates are the papers of notes that share a tag with the notes on this paper (the
newest public notes under each tag, from ``notes_publictagged``'s key, and the reader's own
notes that only they may read) or whose head (title, tags and authors; GIN index on
``search_head``) has a word of its title. Each source is cut at a fixed, small number of
notes, so the query costs about the same at 100,000 notes as at 100. Candidate papers are
ranked by how many of the tags their candidate notes share and by how similar their
titles are (pg_trgm ``similarity``), and the best ``LIMIT`` are returned.

Only notes the viewer may read count (public ones and their own, never anything in a
trash, never someone else's note hidden by moderators), so a private note of someone
else never shows through a recommendation, and a paper is offered only when the viewer
can read a note on it.

A page shows the section as ``related_section`` renders it; for a reader who is not logged
in, or who has no note that only they may read, it depends on public notes and papers
alone, so it is cached under the public generation (``notes.caching.generations``) and
computed again only after a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from accounts.models import User
from notes import visibility
from notes.caching.entry_html import number, number_url, rating_summary
from notes.caching.fragments import FRAGMENT_SECONDS, digest
from notes.models import Note, Paper

LIMIT = 5
MAX_SOURCE_TAGS = 20
MAX_TITLE_WORDS = 12
TAG_CANDIDATES = 40
TEXT_CANDIDATES = 20
# One shared tag weighs as much as a title similarity of 1/3.
TITLE_WEIGHT = 3.0
_WORD_RE = re.compile(r"\w+")

# The candidate sources take the first notes they find rather than the best: ordering
# them would mean reading every note that carries a common tag or word, and every
# candidate is a read of a note's row, so there are few. A tag's public notes are read
# newest first from its rows in ``notes_publictagged`` (an even share of the candidates
# for each tag), which stops at its share whatever the tag's size; the tags' index on the
# notes would first list every note under the tags (thousands for a common one at a
# million notes), and a plain scan reads notes until enough carry them (many, for rare
# tags). The reader's own notes that others may not read are looked for among their own.
# A source with nothing to look for (no tags; a title of stop words) is skipped by its
# first condition, which PostgreSQL checks once, instead of scanning every note for a
# match that cannot be.
# Scores use the candidates' own columns (the paper title is copied on each note), and
# only the five papers shown are read from the papers table, with only the columns shown.
_RELATED_SQL_TEMPLATE = """
WITH candidates AS (
    (SELECT n.paper_id, n.paper_title, n.tag_names
     FROM unnest(%(tags)s::varchar(100)[]) AS source(tag)
     CROSS JOIN LATERAL (
        SELECT n.paper_id, n.paper_title, n.tag_names
        FROM notes_publictagged AS t JOIN notes_note AS n ON n.id = t.note_id
        WHERE t.tag = source.tag AND n.paper_id <> %(paper)s
        ORDER BY t.modified DESC
        LIMIT %(per_tag)s
     ) AS n
     LIMIT %(tag_candidates)s)
    UNION ALL
    (SELECT n.paper_id, n.paper_title, n.tag_names FROM notes_note AS n
     WHERE cardinality(%(tags)s::varchar(100)[]) > 0
       AND {own_unlisted} AND n.tag_names && %(tags)s::varchar(100)[]
       AND n.paper_id <> %(paper)s
     LIMIT %(tag_candidates)s)
    UNION ALL
    (SELECT n.paper_id, n.paper_title, n.tag_names FROM notes_note AS n
     WHERE numnode(to_tsquery('english', %(words)s)) > 0
       AND n.search_head @@ to_tsquery('english', %(words)s) AND n.paper_id <> %(paper)s
       AND {readable}
     LIMIT %(text_candidates)s)
),
best AS (
    -- A paper's notes all carry its title, so the title is compared once per paper.
    SELECT c.paper_id,
           count(DISTINCT shared.tag)
           + %(title_weight)s * similarity(min(c.paper_title), %(title)s) AS score
    FROM candidates AS c
    LEFT JOIN LATERAL unnest(c.tag_names) AS shared(tag)
        ON shared.tag = ANY(%(tags)s::varchar(100)[])
    GROUP BY c.paper_id
    ORDER BY score DESC, c.paper_id DESC
    LIMIT %(limit)s
)
SELECT p.id, p.title, p.year, p.rating_count, p.rating_sum, best.score
FROM best JOIN notes_paper AS p ON p.id = best.paper_id
ORDER BY best.score DESC, p.id DESC
"""
_RELATED_SQL = _RELATED_SQL_TEMPLATE.format(
    readable=visibility.notes_sql("n", reader="%(viewer)s"),
    own_unlisted=visibility.own_unlisted_sql("n", reader="%(viewer)s"),
)


def related_section(
    *,
    paper: Paper,
    viewer: User | AnonymousUser,
    tags: Iterable[str],
    generation: int | None,
    viewer_has_unlisted: bool = True,
) -> SafeString:
    """The "Read also" section of ``paper``'s page (or of a note's on it), rendered.

    ``generation`` is the public generation read before the page's notes (or with them).
    The section is cached under it for every reader who may read only what anyone may: a
    reader who is not logged in, or one without notes of their own that only they may read
    (``viewer_has_unlisted`` false, ``visibility.has_unlisted``, read with the page's paper
    or note). The ``tags`` are part of the key, so a reader's own private note on ``paper``
    gives their section its own entry.
    """
    if generation is None or (viewer.is_authenticated and viewer_has_unlisted):
        return _render(read_also(paper=paper, viewer=viewer, tags=tags))
    tags = source_tags(tags)
    key = digest("read-also", (generation, paper.pk, paper.title, tags))
    html = cache.get(key)
    if html is None:
        html = _render(read_also(paper=paper, viewer=AnonymousUser(), tags=tags))
        cache.set(key, html, FRAGMENT_SECONDS)
    return html


def _render(papers: list[Paper]) -> SafeString:
    """The section: each paper's link, year and rating, or nothing without papers.

    Written here rather than by a template (which cost about ten times as much for five
    papers; ``tests/notes/selectors/test_related.py`` compares the markup with it)."""
    if not papers:
        return SafeString("")
    prefix = get_script_prefix()
    items = "".join(
        f'\n    <li><a href="{escape(number_url("notes:paper", paper.pk, prefix))}" dir="auto">'
        f'{escape(paper.title)}</a> <span class="muted">'
        f"{_year(paper.year)}{rating_summary(paper)}</span></li>\n    "
        for paper in papers
    )
    return SafeString(
        '\n<section class="related no-print" aria-labelledby="read-also">\n'
        f'  <h2 id="read-also">{gettext("Read also")}</h2>\n'
        f"  <ul>\n    {items}\n  </ul>\n</section>\n\n"
    )


def _year(year: int | None) -> str:
    return f"{number(year)} · " if year else ""


def source_tags(tags: Iterable[str]) -> list[str]:
    return sorted(set(tags))[:MAX_SOURCE_TAGS]


def read_also(*, paper: Paper, viewer: User | AnonymousUser, tags: Iterable[str]) -> list[Paper]:
    """Up to ``LIMIT`` papers related to ``paper`` for ``viewer``, best first.

    ``tags`` are the tags of the notes on ``paper`` that the page already shows (and
    therefore the viewer may read), so no query is spent on finding them.
    """
    tags = source_tags(tags)
    params = {
        "tags": tags,
        "paper": paper.pk,
        "title": paper.title,
        # Words only, so no tsquery syntax gets through; any of them may match.
        "words": " | ".join(_WORD_RE.findall(paper.title)[:MAX_TITLE_WORDS]),
        "viewer": visibility.reader_id(viewer),
        "tag_candidates": TAG_CANDIDATES,
        "per_tag": -(-TAG_CANDIDATES // max(1, len(tags))),
        "text_candidates": TEXT_CANDIDATES,
        "title_weight": TITLE_WEIGHT,
        "limit": LIMIT,
    }
    return list(Paper.objects.raw(_RELATED_SQL, params))


def tags_of(notes: Iterable[Note]) -> set[str]:
    return {tag for note in notes for tag in note.tag_names}
