"""Full-text search and the data it needs.

``refresh`` is the one place that builds a note's search document (and the sort keys it
copies from its paper): title and tags weigh most, then authors, then the body. It runs
on every save of a note or of its paper. Queries use web-search syntax (quoted phrases,
``-word``, ``or``) through PostgreSQL's ``websearch_to_tsquery``; ``tag:name`` and
``user:name`` terms narrow the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db import connection
from django.db.models import F, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notes.models import Note, Paper

CONFIG = "english"
MAX_QUERY_LENGTH = 500

_REFRESH_SQL = """
UPDATE notes_note AS n SET
    paper_year = p.year,
    paper_title = p.title,
    search_vector =
        setweight(to_tsvector('english', coalesce(p.title, '')), 'A')
        || setweight(to_tsvector('english', array_to_string(n.tag_names, ' ')), 'A')
        || setweight(to_tsvector('english', coalesce(p.authors, '')), 'B')
        || setweight(to_tsvector('english', coalesce(n.body_text, '')), 'C')
FROM notes_paper AS p
WHERE p.id = n.paper_id AND {where}
"""


def refresh(*, note_ids: Iterable[int] | None = None, paper_id: int | None = None) -> None:
    """Rebuild the search document and paper sort keys of some notes (all when no filter).

    One UPDATE, so it also serves bulk loads. The columns it writes are not part of a
    note's history, which is why an UPDATE (rather than ``save()``) is right here.
    """
    if note_ids is not None:
        where, params = "n.id = ANY(%s)", [list(note_ids)]
    elif paper_id is not None:
        where, params = "n.paper_id = %s", [paper_id]
    else:
        where, params = "TRUE", []
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL.format(where=where), params)


_TERM_RE = re.compile(r'(?<!\S)(tag|user):("[^"]*"|\S+)', re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    tags: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.tags or self.users)


def parse_query(raw: str) -> ParsedQuery:
    """Split ``tag:`` and ``user:`` terms from the words to search for."""
    raw = raw[:MAX_QUERY_LENGTH].replace("\x00", " ")
    tags: list[str] = []
    users: list[str] = []
    for kind, value in _TERM_RE.findall(raw):
        value = value.strip('"').strip().lower()
        if value:
            (tags if kind.lower() == "tag" else users).append(value)
    text = " ".join(_TERM_RE.sub(" ", raw).split())
    return ParsedQuery(text=text, tags=tuple(dict.fromkeys(tags)), users=tuple(users))


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def matching(notes: QuerySet[Note], text: str) -> QuerySet[Note]:
    """Notes matching ``text``, with ``rank`` annotated."""
    query = search_query(text)
    return notes.filter(search_vector=query).annotate(
        rank=SearchRank(F("search_vector"), query, normalization=1)
    )


HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Snippet:
    html: SafeString
    found: bool = field(default=True)


def snippets(note_ids: list[int], text: str) -> dict[int, SafeString]:
    """Highlighted extracts of the bodies of a page of results.

    PostgreSQL marks the matches with control characters; the extract is escaped here and
    only then are the markers turned into <mark>, so no text from a note is ever markup.
    """
    if not note_ids or not text:
        return {}
    sql = (
        "SELECT id, ts_headline(%s, body_text, websearch_to_tsquery(%s, %s), %s) "
        "FROM notes_note WHERE id = ANY(%s)"
    )
    options = (
        f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
        'MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [CONFIG, CONFIG, text, options, note_ids])
        rows = cursor.fetchall()
    result = {}
    for pk, headline in rows:
        safe = (
            escape(headline).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
        )
        result[pk] = mark_safe(safe)
    return result


def did_you_mean(text: str) -> Paper | None:
    """A paper whose title looks like a misspelling of the query, if any."""
    if len(text) < 4:
        return None
    return (
        Paper.objects.filter(title__trigram_similar=text)
        .annotate(similarity=TrigramSimilarity("title", text))
        .order_by("-similarity")
        .first()
    )
