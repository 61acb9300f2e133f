"""Full-text search and the data it needs.

``_DOCUMENTS_SQL`` is the one place that builds a note's search document (and the sort
keys it copies from its paper): title and tags weigh most, then authors, then the body. A
note's save reads it for the text it is about to write and writes it with the rest of
the row (``set_search_data``); ``refresh`` rebuilds it in place for notes whose paper
changed, after a bulk load or a new rendering. Queries use web-search syntax (quoted phrases,
``-word``, ``or``) through PostgreSQL's ``websearch_to_tsquery``; ``tag:name`` and
``user:name`` terms narrow the result.

Relevance: notes whose title, tags or authors alone match the query (``search_head``)
come first, then notes that match only in their body; newest first within each part.
Both parts are read a page at a time by walking the date index, so a word found in a
fifth of all notes, or a phrase of two common words, costs about what a rare word does;
ranking every match by a score would read tens of thousands of documents per page. A
rare word, whose page the walk would look for among thousands of notes, reads its few
matches through the words' index instead, and a word between the two only its matches
among the list's newest notes (PostgreSQL's estimates decide: see ``RelevanceWindow``).

A quoted phrase is also looked up in ``search_pairs``, every pair of adjacent words of a
note's document: a phrase whose words are common but rarely side by side would otherwise
be checked in every note that has both words, which grows with the data.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, TrigramSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notes import visibility
from notes.caching.fragments import Entry, condition_of
from notes.models import Note, Paper

CONFIG = "english"
MAX_QUERY_LENGTH = 500

# The search data of a note ``n`` and its paper ``p``, defined here only. The head (title,
# tags, authors) is also the start of the whole document, so that a match of the head
# alone is a match of the document (see RelevanceWindow).
# Every text passes through notes_fold (migration 0017, the same folding as ``fold``) first.
_HEAD_SQL = """
        setweight(to_tsvector('english', notes_fold(coalesce(p.title, ''))), 'A')
        || setweight(to_tsvector('english', notes_fold(array_to_string(n.tag_names, ' '))), 'A')
        || setweight(to_tsvector('english', notes_fold(coalesce(p.authors, ''))), 'B')"""
_BODY_SQL = "setweight(to_tsvector('english', notes_fold(coalesce(n.body_text, ''))), 'C')"
_PAIRS_OF_SQL = "notes_word_pairs({vector})"  # see migration 0013
_FROM_SQL = "FROM {notes} AS n JOIN notes_paper AS p ON p.id = n.paper_id"
# Each note's search data, for the notes of ``{notes}`` that ``{where}`` picks. The OFFSET 0
# fences keep PostgreSQL from copying the head and the document into every place that uses
# them, which would build each twice.
_DOCUMENTS_SQL = f"""
SELECT d.id, d.paper_year, d.paper_title, d.search_head, d.search_vector,
       {_PAIRS_OF_SQL.format(vector="d.search_vector")} AS search_pairs
FROM (
    SELECT n.id, n.paper_year, n.paper_title, n.search_head,
           n.search_head || {_BODY_SQL} AS search_vector
    FROM (
        SELECT n.id, n.body_text, p.year AS paper_year, p.title AS paper_title,
               {_HEAD_SQL} AS search_head
        {_FROM_SQL}
        WHERE {{where}}
        OFFSET 0
    ) AS n
    OFFSET 0
) AS d
"""  # noqa: S608 - built from constants only
SEARCH_COLUMNS = ("paper_year", "paper_title", "search_head", "search_vector", "search_pairs")
_REFRESH_SQL = f"""
UPDATE notes_note AS t SET {", ".join(f"{column} = s.{column}" for column in SEARCH_COLUMNS)}
FROM ({_DOCUMENTS_SQL.replace("{notes}", "notes_note")}) AS s
WHERE t.id = s.id
"""  # noqa: S608 - built from constants only


def bulk_documents_sql(notes_table: str, documents_table: str) -> tuple[str, str]:
    """The search data of every note of ``notes_table`` (a table with the notes' columns),
    for loading many notes at once, as two SELECTs.

    The first gives ``id`` and every column of ``SEARCH_COLUMNS`` but the pairs; the
    second reads its result, stored as ``documents_table``, for ``id`` and the pairs.
    Without the fences of ``refresh`` PostgreSQL can run each on several cores, at the
    price of building the (small) head twice.
    """
    documents = (
        f"SELECT n.id, p.year AS paper_year, p.title AS paper_title, {_HEAD_SQL} AS search_head, "
        f"{_HEAD_SQL} || {_BODY_SQL} AS search_vector "
        f"{_FROM_SQL.format(notes=notes_table)}"
    )
    pairs = (
        f"SELECT id, {_PAIRS_OF_SQL.format(vector='search_vector')} AS search_pairs "  # noqa: S608
        f"FROM {documents_table}"
    )
    return documents, pairs


# The search data of one note as it is about to be saved: its text, tags and paper given
# as parameters instead of read from its row.
_NOTE_AS_SAVED_SQL = (
    "(SELECT %(id)s::integer AS id, %(paper)s::integer AS paper_id,"
    " %(body_text)s::text AS body_text, %(tags)s::varchar(100)[] AS tag_names)"
)
_DOCUMENT_OF_SQL = _DOCUMENTS_SQL.replace("{notes}", _NOTE_AS_SAVED_SQL).replace("{where}", "TRUE")


def set_search_data(note: Note) -> None:
    """Give ``note`` the search data (``SEARCH_COLUMNS``) of its text, tags and paper as
    they are about to be saved, so that the save writes them with the rest: one row
    version per save, rather than the save's and then ``refresh``'s (each a copy of the
    row and an entry in every index, the documents' included). One SELECT, which writes
    nothing."""
    params = {
        "id": note.pk,
        "paper": note.paper_id,
        "body_text": note.body_text,
        "tags": list(note.tag_names),
    }
    with connection.cursor() as cursor:
        cursor.execute(_DOCUMENT_OF_SQL, params)
        row = cursor.fetchone()
    for column, value in zip(("id", *SEARCH_COLUMNS), row, strict=True):
        if column != "id":
            setattr(note, column, value)


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
        cursor.execute(_REFRESH_SQL.replace("{where}", where), params)


# Arabic as people type it: with or without short vowels and other marks (tashkeel), with
# or without tatweel, any form of alef, ta marbuta or ha, alef maqsura or ya. Documents and
# queries are both folded, so "احمد" finds "أحمد" and "النتائج" finds "النتائجُ". The SQL
# function notes_fold (migration 0017) folds the same characters the same way; a test keeps
# the two equal.
ARABIC_MARKS = "".join(
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
ARABIC_FOLDS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"}
_FOLD_TABLE = str.maketrans(ARABIC_FOLDS | dict.fromkeys(ARABIC_MARKS, ""))


def fold(text: str) -> str:
    """``text`` as the search index holds it (see ARABIC_FOLDS)."""
    return text.translate(_FOLD_TABLE)


_TERM_RE = re.compile(r'(?<!\S)(tag|user):("[^"]*"|\S+)', re.IGNORECASE)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    tags: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing to search for (the API's search answers 400 then)."""
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
    text = fold(" ".join(_TERM_RE.sub(" ", raw).split()))
    return ParsedQuery(text=text, tags=tuple(dict.fromkeys(tags)), users=tuple(users))


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=CONFIG)


_PAIRS_FIELD = ArrayField(IntegerField())
_QUOTED_RE = re.compile(r'(-?)\s*"([^"]*)"')
_OR_RE = re.compile(r"(?<![\w-])or(?![\w-])", re.IGNORECASE)


def required_phrases(text: str) -> tuple[str, ...]:
    """The quoted phrases every match of ``text`` must contain, as written.

    Only phrases the query cannot do without: none when it has an ``or`` (a phrase may
    be one of the alternatives) or an unclosed quote, and never an excluded (``-"…"``)
    phrase. Leaving a phrase out only makes the search read more notes; it never changes
    what is found.
    """
    if text.count('"') % 2 or _OR_RE.search(_QUOTED_RE.sub(" ", text)):
        return ()
    return tuple(
        dict.fromkeys(
            phrase.strip()
            for minus, phrase in _QUOTED_RE.findall(text)
            if not minus and len(phrase.split()) > 1
        )
    )


PAIRS_SECONDS = 30 * 24 * 3600


def phrase_pairs(phrases: Sequence[str]) -> tuple[int, ...]:
    """The word pairs (see migration 0013) that a note must have to contain ``phrases``.

    PostgreSQL makes them (its parser and stemmer decide what a word is); they depend on
    nothing but the phrases, so they are cached.
    """
    key = "notes:pairs:" + hashlib.sha256("\x00".join(phrases).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT notes_phrase_pairs(%s::regconfig, %s::text[])", [CONFIG, list(phrases)]
            )
            found = tuple(cursor.fetchone()[0])
        cache.set(key, found, PAIRS_SECONDS)
    return found


def _pairs_literal(pairs: Sequence[int]) -> str:
    """The pairs as a constant of the statement, not a parameter: the planner then knows
    how many notes have them (a phrase in half the notes is best found by walking the date
    index, a rare one from the pairs' index), even in a plan it keeps for a statement it
    has prepared. Only integers go in."""
    return "'{" + ",".join(str(int(pair)) for pair in pairs) + "}'::integer[]"


def _with_phrases(notes: QuerySet[Note], text: str) -> QuerySet[Note]:
    """``notes`` narrowed to those with every word pair of ``text``'s phrases.

    A phrase of two common words not seen together is otherwise checked note by note in
    every note that has both words; the pairs' index finds the few that have them side
    by side.
    """
    phrases = required_phrases(text)
    pairs = phrase_pairs(phrases) if phrases else ()
    if not pairs:
        return notes
    literal = RawSQL(_pairs_literal(pairs), (), output_field=_PAIRS_FIELD)  # noqa: S611
    return notes.filter(search_pairs__contains=literal)


def matching(notes: QuerySet[Note], text: str) -> QuerySet[Note]:
    """Notes matching ``text``, with ``head_match`` (title, tags or authors) annotated."""
    query = search_query(text)
    return (
        _with_phrases(notes, text)
        .filter(search_vector=query)
        .annotate(head_match=ExpressionWrapper(Q(search_head=query), output_field=BooleanField()))
    )


RELEVANCE = (F("head_match").desc(), F("modified").desc(), F("id").desc())


# The relevance window as one statement: the head matches, then the body-only matches,
# each newest first from the date index; ``{where}`` is the list's own condition (who may
# see what, tags, years) as the ORM writes it.
# Walking the date index suits a query that many notes match: the page is found among the
# newest notes. For a rare word it means checking thousands of documents to find a few
# (at a million notes, 20,000 documents read for a word in 1,040 notes: 240 ms), and
# PostgreSQL chooses the walk anyway, pricing a document's check like any condition's.
# Such a query reads every match through the words' index instead and sorts them
# (``_ALL_MATCHES_SQL``): a few milliseconds for a thousand matches. Which one is used is
# decided from PostgreSQL's own estimates of the matches and of the list (``EXPLAIN``).
_WINDOW_SQL = """
(SELECT id, 1 AS part, modified FROM notes_note
 WHERE {where}{pairs} AND search_head @@ websearch_to_tsquery(%s::regconfig, %s){head_also}
 ORDER BY modified DESC, id DESC LIMIT %s)
UNION ALL
(SELECT id, 0 AS part, modified FROM notes_note
 WHERE {where}{pairs} AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s)
   AND NOT coalesce(search_head @@ websearch_to_tsquery(%s::regconfig, %s), false)
 ORDER BY modified DESC, id DESC LIMIT %s)
ORDER BY part DESC, modified DESC, id DESC LIMIT %s OFFSET %s
"""
# Every match read at once (a bitmap scan of the words' index), then ordered: each
# document matches, so its head's match says its part (an excluded word cannot undo it).
_ALL_MATCHES_SQL = """
WITH matches AS MATERIALIZED (
 SELECT id, modified,
        coalesce(search_head @@ websearch_to_tsquery(%s::regconfig, %s), false) AS head
 FROM notes_note
 WHERE {where}{pairs} AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s))
SELECT id, CASE WHEN head THEN 1 ELSE 0 END AS part, modified FROM matches
ORDER BY part DESC, modified DESC, id DESC LIMIT %s OFFSET %s
"""
# PostgreSQL's estimates, from one plan: how many notes of the list match (or only have
# a phrase's word pairs), how many notes the list has (what the walk goes through) and,
# for words, how many of the list's heads match (``head_window``).
_ESTIMATE_SQL = """EXPLAIN (FORMAT JSON)
SELECT 1 FROM notes_note WHERE {where}{pairs}{words}
UNION ALL
SELECT 1 FROM notes_note WHERE {where}{heads}"""
_ESTIMATE_WORDS_SQL = " AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s)"
_ESTIMATE_HEADS_SQL = """
UNION ALL
SELECT 1 FROM notes_note
WHERE {where}{pairs} AND search_head @@ websearch_to_tsquery(%s::regconfig, %s)"""


class Estimates(NamedTuple):
    matches: float  # notes of the list that match (or have the phrase's pairs)
    notes: float  # notes in the list
    heads: float  # notes whose head matches (none asked for a phrase's pairs)


# Reading a match and sorting it costs about a fifth of what checking a document on the
# walk costs (2.3 µs against 12 µs, measured at a million notes). The walk checks about
# ``stop`` × notes / matches documents, so reading every match is cheaper while
# matches² ≤ ``stop`` × notes × this: up to about 10,000 matches for a first page at a
# million notes, 3,000 at 100,000.
WALK_COST_PER_MATCH = 5
# How long PostgreSQL's estimates for a query are kept: autovacuum renews the statistics
# after a tenth of the notes changed, so minutes are nothing to them.
ESTIMATES_SECONDS = 600


# A common word's head matches are its first part, walked from the newest notes like its
# body's; but heads are small, and a word in a tenth of the bodies may be in a hundredth
# of the heads: the walk then checks thousands of heads for a page (4,200 for `channel`
# at a million notes, 7.8 ms of the database). Its heads are found among the list's newest
# notes instead, as a word between rare and common is (``_RECENT_MATCHES_SQL``): the words'
# index and the date index give two bitmaps, intersected before a note is read. An entry
# of either bitmap costs about a twelfth of a head checked on the walk (0.16 µs against
# 1.9, measured at a million notes), so with a window of ``RECENT_WINDOW_TIMES`` × ``stop``
# × notes / heads the window costs less while heads² ≤ ``stop`` × notes × this: up to
# about 12,000 heads for a first page at a million notes.
HEAD_WINDOW_FACTOR = 8


def head_window(heads: float, stop: int, notes: float) -> int | None:
    """How many of the list's newest ``notes`` hold about ``RECENT_WINDOW_TIMES`` ×
    ``stop`` of its ``heads`` (the notes whose head matches), when reading only those costs
    less than walking the date index to the ``stop``-th; else None."""
    if heads < 1 or heads * heads > HEAD_WINDOW_FACTOR * stop * notes:
        return None
    window = math.ceil(RECENT_WINDOW_TIMES * stop * notes / heads)
    return window if window < notes else None


def reads_every_match(matches: float, stop: int, notes: float) -> bool:
    """Whether a window ending at ``stop`` reads every one of ``matches`` rather than walk
    the date index through ``notes``."""
    return matches**2 <= stop * notes * WALK_COST_PER_MATCH


# A word between the two (thousands of matches at a million notes) costs either way: each
# match read is a note's row on a page of its own, and the walk checks hundreds of
# documents for each match it finds. Its newest matches are among the list's newest notes
# instead: the date of the ``window``-th newest note (read from the date index) and the
# words' index give PostgreSQL two bitmaps, which it intersects before reading any note,
# so only the window's matches are read. The window is sized to hold a few times the
# matches the page needs, by PostgreSQL's estimate; when it holds too few (the estimate
# was high, or the newest notes mention the word less), every match is read after all.
# The head matches, few for such a word, are read whole as in the walk's statement.
_CUTOFF_SQL = """
SELECT modified FROM notes_note WHERE {where}{pairs}
ORDER BY modified DESC, id DESC OFFSET %s LIMIT 1
"""
_RECENT_MATCHES_SQL = """
WITH recent AS MATERIALIZED (
 SELECT id, modified,
        coalesce(search_head @@ websearch_to_tsquery(%s::regconfig, %s), false) AS head
 FROM notes_note
 WHERE {where}{pairs} AND modified >= %s
   AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s))
(SELECT id, 1 AS part, modified FROM notes_note
 WHERE {where}{pairs} AND search_head @@ websearch_to_tsquery(%s::regconfig, %s){head_also}
 ORDER BY modified DESC, id DESC LIMIT %s)
UNION ALL
(SELECT id, 0 AS part, modified FROM recent WHERE NOT head
 ORDER BY modified DESC, id DESC LIMIT %s)
"""
# How many times the page's end the window is expected to hold: the matches in the window
# vary about the estimate, and one that was too small costs the statement again.
RECENT_WINDOW_TIMES = 3
# A note of the window (its entry in the date index, walked for the cut-off date and again
# for its bitmap) costs about a ninth of a match read (0.5 µs against 4.5, measured at a
# million notes): the window is used while it costs less than reading every match.
RECENT_NOTE_COST = 1 / 9
CUTOFF_SECONDS = 60
CUTOFF_STEPS = 4


def cutoff_window(window: int) -> int:
    """``window`` rounded up to one of ``CUTOFF_STEPS`` sizes a doubling, so that the words
    of one list share a few cut-off dates (a note of the window costs each word a bitmap
    entry, so not to a power of two)."""
    return math.ceil(2 ** (math.ceil(CUTOFF_STEPS * math.log2(window)) / CUTOFF_STEPS))


def _cutoff(where: str, where_params: list[Any], pairs: str, window: int) -> datetime | None:
    """The date of the list's note ``window`` from the newest (None if it has fewer), kept
    for ``CUTOFF_SECONDS`` (``window`` is one of ``cutoff_window``'s sizes).

    A date read a minute ago may have moved (notes edited since are newer; one in the trash
    has left the list), so the window holds more or fewer notes than asked; the window's
    matches are the newest matches whatever it holds, and one that holds too few is found
    so (``_recent_ids``)."""
    sql = _CUTOFF_SQL.format(where=where, pairs=pairs)
    params = [*where_params, window - 1]
    key = "notes:cutoff:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    found = cache.get_or_set(
        key, lambda: [row[0] for row in _planned_for_its_values(sql, params)], CUTOFF_SECONDS
    )
    return found[0] if found else None


def _recent_cutoff(
    where: str, where_params: list[Any], pairs: str, matches: float, stop: int, notes: float
) -> tuple[datetime, int] | None:
    """The cut-off date of the list's newest notes expected to hold ``RECENT_WINDOW_TIMES``
    × ``stop`` of its ``matches``, and how many notes that is (one of ``cutoff_window``'s
    sizes); ``None`` when reading every match costs less (``recent_window``) or the list is
    shorter than the window (every match is then as cheap)."""
    window = recent_window(matches, stop, notes)
    if window is None:
        return None
    window = cutoff_window(window)
    cutoff = _cutoff(where, where_params, pairs, window)
    return None if cutoff is None else (cutoff, window)


def recent_window(matches: float, stop: int, notes: float) -> int | None:
    """How many of the newest notes hold about ``RECENT_WINDOW_TIMES`` × ``stop`` of the
    ``matches``, when reading only those costs less than reading every match; else None."""
    if matches < 1:
        return None
    window = math.ceil(RECENT_WINDOW_TIMES * stop * notes / matches)
    if window >= notes or window * RECENT_NOTE_COST >= matches:
        return None
    return window


_HEAD_ALSO_SQL = " AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s)"
# A common word's head matches among the list's newest notes (``head_window``), newest
# first: when they are ``stop`` or more, they are the first ``stop`` of the whole order (a
# head match older than the cut-off date is older than each of them).
_HEAD_RECENT_SQL = """
SELECT id FROM notes_note
WHERE {where}{pairs} AND modified >= %s
  AND search_head @@ websearch_to_tsquery(%s::regconfig, %s){head_also}
ORDER BY modified DESC, id DESC LIMIT %s
"""
# A head that has a phrase is the start of the document, so it has the phrase's pairs too.
_WINDOW_PAIRS_SQL = " AND search_pairs @> {pairs}"
# The window of a query with a phrase. A note with the phrase's word pairs almost always
# has the phrase (its words side by side), so the body matches are looked for among the
# newest notes with the pairs whose head does not match (a small document, cheap to
# check), at most a few more than the page needs: checking a note's whole document is
# what costs, and a phrase of two common words has thousands of notes with its pairs.
# ``newest`` is planned on its own, from the pairs' statistics (walking the date index or
# the pairs' index, whichever finds them sooner): planned with the head condition, the
# planner cannot know that a phrase in many titles or tags is in few bodies, and walks
# every note. ``candidates`` reads it in the order it was written (newest first) and
# stops at its limit. The last rows say whether a bound cut anything off (counted only
# when that matters): then a short page is read again without the bounds.
_PHRASE_WINDOW_SQL = """
WITH newest AS MATERIALIZED (
 SELECT id, modified, search_head @@ websearch_to_tsquery(%s::regconfig, %s) AS head
 FROM notes_note WHERE {where}{pairs}{recent}
 ORDER BY modified DESC, id DESC LIMIT %s),
candidates AS MATERIALIZED (SELECT id, modified FROM newest WHERE head IS NOT TRUE LIMIT %s)
(SELECT id, 1 AS part, modified FROM notes_note
 WHERE {where}{pairs} AND search_head @@ websearch_to_tsquery(%s::regconfig, %s){head_also}
 ORDER BY modified DESC, id DESC LIMIT %s)
UNION ALL
(SELECT c.id, 0 AS part, c.modified FROM candidates AS c
 WHERE (SELECT n.search_vector @@ websearch_to_tsquery(%s::regconfig, %s)
        FROM notes_note AS n WHERE n.id = c.id)
 ORDER BY c.modified DESC, c.id DESC LIMIT %s)
UNION ALL
(SELECT count(*), -1 AS part, NULL FROM candidates)
UNION ALL
(SELECT count(*), -2 AS part, NULL FROM newest WHERE (SELECT count(*) FROM candidates) < %s)
"""
# Each candidate's document is checked on its own (a subquery per candidate, which the
# planner cannot turn into a join that reads every match of the words first).
# How many notes with a phrase's pairs are looked at for a window ending at ``stop``: of
# all of them, ``stop`` times the first of these, and only if that was too few (most of
# them matched in the head) times the second; of those whose head does not match, ``stop``
# and this many more (whose documents are checked). The first is small so that PostgreSQL
# may walk the date index, which stops as soon as the candidates are found: asked for
# 2,100 notes of a pair that 26,000 notes of a million have, it read all of them to sort
# them (115 ms); asked for 210, it walked to the 31 it needed (7 ms). Not smaller: with
# the column's default statistics (before migration 0024) every pair not listed was
# estimated at 0.5 % of the notes, and asked for 42, PostgreSQL walked the whole date
# index for rare pairs (3 s) instead of reading them.
PHRASE_NEWEST_TIMES = (10, 100)
PHRASE_CANDIDATES_MORE = 10
# A phrase of two common words can have its pairs in thousands of notes (one random
# phrase in twenty has them in 11,000-36,000 of a million notes), and reading each to
# sort them costs 40-150 ms. Their newest are among the list's newest notes, as a word's
# (``_RECENT_MATCHES_SQL``): ``newest`` then reads only the notes since a cut-off date,
# the pairs' bitmap and the date index's intersected before any note is read. The window
# is sized from PostgreSQL's estimate of the notes with the pairs, close for every pair
# in more than about 0.2 % of the notes (the column's statistics, migration 0024) and
# below that for the others.
_PHRASE_RECENT_SQL = " AND modified >= %s"

# The same with each part compiled by the ORM, for a list whose condition needs a join
# (notes by given users).
_PART_SQL = "(SELECT id, {rank} AS part, modified FROM ({sql}) AS part{rank})"


def _planned_for_its_values(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` with ``params`` written into its text, so that PostgreSQL plans
    it for these values every time. Sent with its parameters apart, a statement run again
    and again (a popular search) is prepared by the connection, and after a few runs
    PostgreSQL may keep one generic plan for all values, made without knowing how many
    notes the words or the page's depth pick: page 20 of a common word took 40 ms of the
    database instead of 9 once it did."""
    with connection.cursor() as cursor:
        cursor.execute(connection.ops.compose_sql(sql, params))
        return cursor.fetchall()


def _date_and_id(row: tuple[Any, ...]) -> tuple[Any, Any]:
    return row[2], row[0]


class RelevanceWindow:
    """The ids of the notes matching ``text`` in relevance order, cut by offset.

    ``notes`` is the list before the text filter. The order is that of
    ``matching(notes, text).order_by(*RELEVANCE)``, read in two parts: the head matches,
    then the body-only matches, each newest first.

    ``public``, for a reader's own list (public notes and their own that others may not
    read), is its public part (the same filters, as anyone reads them): the windows'
    cut-off dates are read from it, on the public notes' own date index. Read from the
    reader's list, whose condition on its author no index of dates has, a date 10,000
    notes from the newest took 25 ms at a million notes. A date has at least as many of the
    reader's notes after it as public ones, so each window holds at least what it should.
    """

    def __init__(
        self, notes: QuerySet[Note], text: str, *, public: QuerySet[Note] | None = None
    ) -> None:
        self.notes, self.text, self.public = notes, text, public
        self._public_condition: tuple[str, list[Any]] | None = None  # see ``_dated``
        # Only an excluded word can make a note whose head matches fail as a whole (the
        # word is in its body); otherwise the head's match is the document's.
        self.head_also = "-" in text
        phrases = required_phrases(text)
        self.pairs = phrase_pairs(phrases) if phrases else ()
        # Every match, in no particular order (a page past the end counts them).
        self.matches = _with_phrases(notes, text).filter(search_vector=search_query(text))
        self._estimates_key: str | None = None  # where ``estimates`` keeps its figures

    def ids(self, start: int, stop: int) -> list[int]:
        # The first ``stop`` notes of the whole order are among the first ``stop`` of each
        # part, so one query reads at most that many of each, both from the date index
        # (or, for a rare word, every match; see ``_WINDOW_SQL``).
        condition = condition_of(self.notes)
        if condition is not None and self.pairs:
            found = self._phrase_ids(condition, start, stop)
            if found is not None:
                return found
        if condition is not None:
            # Building and compiling the two parts as querysets costs Django more than
            # the rest of the search; the list's condition is compiled once instead.
            where, where_params = condition
            words = [CONFIG, self.text]
            pairs = self.pairs_condition()
            estimated = self.estimates(where, where_params, pairs)
            if reads_every_match(estimated.matches, stop, estimated.notes):
                found = self._recent_ids(condition, pairs, start, stop, estimated)
                if found is not None:
                    return found
                sql = _ALL_MATCHES_SQL.format(where=where, pairs=pairs)
                params = [*words, *where_params, *words, stop - start, start]
            else:
                found = self._head_recent_ids(condition, pairs, stop, estimated)
                if found is not None:
                    return found[start:stop]
                sql = _WINDOW_SQL.format(
                    where=where,
                    pairs=pairs,
                    head_also=_HEAD_ALSO_SQL if self.head_also else "",
                )
                params = [
                    *where_params, *words, *(words if self.head_also else []), stop,
                    *where_params, *words, *words, stop,
                    stop - start, start,
                ]  # fmt: skip
        else:
            sql, params = self._compiled_parts(stop)
            params = [*params, stop - start, start]
        return [row[0] for row in _planned_for_its_values(sql, params)]

    def _dated(self, condition: tuple[str, list[Any]]) -> tuple[str, list[Any]]:
        """The condition the windows' cut-off dates are read with: the public part's, when
        there is one (see ``public``), else the list's own ``condition``."""
        if self._public_condition is None and self.public is not None:
            self._public_condition = condition_of(self.public)  # compiled once a search
        return self._public_condition or condition

    def _dated_from_the_index(self, condition: tuple[str, list[Any]]) -> bool:
        """Whether the windows' cut-off dates are read from the public notes' date index
        alone: a list narrowed by tags or years is walked note by note down to its date (for
        a tag on 2 % of the notes, half a second at a million notes, against 3 ms for the
        public list), and the heads' window then costs more than the walk it saves."""
        return self._dated(condition) == condition_of(Note.objects.visible_to(AnonymousUser()))

    def pairs_condition(self) -> str:
        """The window's condition on the phrase's word pairs ("" without a phrase)."""
        if not self.pairs:
            return ""
        return _WINDOW_PAIRS_SQL.format(pairs=_pairs_literal(self.pairs))

    def estimates(
        self, where: str, where_params: list[Any], pairs: str, *, words: bool = True
    ) -> Estimates:
        """PostgreSQL's estimates of how many notes of the list match (with ``words``
        false: have the phrase's ``pairs``), how many notes the list has and, with
        ``words``, how many of them have a head that matches (its plan's rows; none when
        it has proved a side empty).

        Planning the estimate costs the database more than a millisecond (the words' index
        and statistics, every partial index of the notes); the estimates change only with
        the table's statistics, so they are kept for ``ESTIMATES_SECONDS``."""
        sql = _ESTIMATE_SQL.format(
            where=where,
            pairs=pairs,
            words=_ESTIMATE_WORDS_SQL if words else "",
            heads=_ESTIMATE_HEADS_SQL.format(where=where, pairs=pairs) if words else "",
        )
        text = [CONFIG, self.text] if words else []
        params = [*where_params, *text, *where_params, *(where_params if words else []), *text]
        # Three figures under keys of their own: a shared cache may still hold the two that
        # an earlier release kept for the same statement (a phrase's pairs).
        digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        key = f"notes:estimates3:{digest}"

        def planned() -> tuple[float, float, float]:
            ((plan,),) = _planned_for_its_values(sql, params)  # psycopg reads the JSON
            sides = [side["Plan Rows"] for side in plan[0]["Plan"].get("Plans", [])]
            if len(sides) != (3 if words else 2):
                return (0.0, 0.0, 0.0)
            return (*sides, 0.0)[:3]

        self._estimates_key = key
        return Estimates(*map(float, cache.get_or_set(key, planned, ESTIMATES_SECONDS)))

    def _corrected(
        self, estimated: Estimates, held: int, window: int, what: str = "matches"
    ) -> None:
        """Keep, in place of PostgreSQL's ``estimated`` matches (or heads, ``what``), the
        number that a window of the ``window`` newest of the list's notes holding ``held``
        of them says. A word missing from the column's statistics is estimated at about as
        many notes as the rarest word listed there (thousands, at a million notes), whatever
        its own number: a word in a few hundred notes would try the window on every search,
        and read every match after it."""
        if self._estimates_key is not None:
            corrected = estimated._replace(**{what: max(held, 0.5) * estimated.notes / window})
            cache.set(self._estimates_key, tuple(corrected), ESTIMATES_SECONDS)

    def _recent_ids(
        self,
        condition: tuple[str, list[Any]],
        pairs: str,
        start: int,
        stop: int,
        estimated: Estimates,
    ) -> list[int] | None:
        """The window from the list's newest notes (``_RECENT_MATCHES_SQL``), or ``None``
        when ``recent_window`` says reading every one of the ``estimated`` matches costs
        less, or when the newest notes held too few of them to be sure of the window (the
        estimate is then corrected)."""
        where, where_params = condition
        recent = _recent_cutoff(
            *self._dated(condition), pairs, estimated.matches, stop, estimated.notes
        )
        if recent is None:
            return None
        cutoff, window = recent
        words = [CONFIG, self.text]
        sql = _RECENT_MATCHES_SQL.format(
            where=where, pairs=pairs, head_also=_HEAD_ALSO_SQL if self.head_also else ""
        )
        params = [
            *words, *where_params, cutoff, *words,
            *where_params, *words, *(words if self.head_also else []), stop,
            stop,
        ]  # fmt: skip
        rows = _planned_for_its_values(sql, params)
        # Each part newest first, then by id (``RELEVANCE``).
        head = sorted((row for row in rows if row[1] == 1), key=_date_and_id, reverse=True)
        body = sorted((row for row in rows if row[1] == 0), key=_date_and_id, reverse=True)
        if len(head) < stop and len(body) < stop - len(head):
            self._corrected(estimated, len(body), window)
            return None
        return [row[0] for row in [*head, *body][start:stop]]

    def _head_recent_ids(
        self, condition: tuple[str, list[Any]], pairs: str, stop: int, estimated: Estimates
    ) -> list[int] | None:
        """The first ``stop`` of the whole order when the list's newest notes hold that many
        head matches (``_HEAD_RECENT_SQL``). ``None`` when ``head_window`` says walking costs
        less, or when the window held fewer (the heads' estimate is then corrected, and the
        walk reads the page)."""
        where, where_params = condition
        window = head_window(estimated.heads, stop, estimated.notes)
        if window is None or not self._dated_from_the_index(condition):
            return None
        window = cutoff_window(window)
        cutoff = _cutoff(*self._dated(condition), pairs, window)
        if cutoff is None:
            return None
        words = [CONFIG, self.text]
        sql = _HEAD_RECENT_SQL.format(
            where=where, pairs=pairs, head_also=_HEAD_ALSO_SQL if self.head_also else ""
        )
        params = [*where_params, cutoff, *words, *(words if self.head_also else []), stop]
        ids = [row[0] for row in _planned_for_its_values(sql, params)]
        if len(ids) < stop:
            self._corrected(estimated, len(ids), window, what="heads")
            return None
        return ids

    def _phrase_ids(
        self, condition: tuple[str, list[Any]], start: int, stop: int
    ) -> list[int] | None:
        """The window of a phrase query from the newest notes with its pairs (see
        ``_PHRASE_WINDOW_SQL``): of the list's newest notes first when the pairs are common
        (``_recent_phrase_ids``); ``None`` when those were too few to be sure of it."""
        found = self._recent_phrase_ids(condition, start, stop)
        if found is not None:
            return found
        for times in PHRASE_NEWEST_TIMES:
            found = self._phrase_window(condition, start, stop, times * stop)
            if found is not None:
                return found
        return None

    def _recent_phrase_ids(
        self, condition: tuple[str, list[Any]], start: int, stop: int
    ) -> list[int] | None:
        """The window from the notes with the phrase's pairs among the list's newest, when
        PostgreSQL's estimate of the notes with the pairs says that reading only those costs
        less (``recent_window``); ``None`` when it does not, or when the newest notes held
        too few to be sure of the window (the estimate is then corrected, as a word's)."""
        where, where_params = condition
        estimated = self.estimates(where, where_params, self.pairs_condition(), words=False)
        candidates = stop + PHRASE_CANDIDATES_MORE
        recent = _recent_cutoff(
            *self._dated(condition), "", estimated.matches, candidates, estimated.notes
        )
        if recent is None:
            return None
        cutoff, window = recent
        newest = PHRASE_NEWEST_TIMES[-1] * stop
        matches, counts = self._phrase_rows(condition, stop, newest, cutoff)
        if sum(1 for row in matches if row[1] == 0) < stop:
            # Notes older than the cut-off may hold more. When every note of the window
            # with the pairs was a candidate, they are all it held.
            if counts[-1] < candidates:
                self._corrected(estimated, counts[-2], window)
            return None
        return [row[0] for row in matches[start:stop]]

    def _phrase_window(
        self, condition: tuple[str, list[Any]], start: int, stop: int, newest: int
    ) -> list[int] | None:
        """The window from the ``newest`` notes with the phrase's pairs, or ``None``."""
        matches, counts = self._phrase_rows(condition, stop, newest)
        body = sum(1 for row in matches if row[1] == 0)
        cut = counts[-1] >= stop + PHRASE_CANDIDATES_MORE or counts.get(-2, 0) >= newest
        if body < stop and cut:
            return None
        return [row[0] for row in matches[start:stop]]

    def _phrase_rows(
        self,
        condition: tuple[str, list[Any]],
        stop: int,
        newest: int,
        cutoff: datetime | None = None,
    ) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
        """The matches (in the order of ``RELEVANCE``) that ``_PHRASE_WINDOW_SQL`` finds in
        the ``newest`` notes with the phrase's pairs (of those since ``cutoff``, if given),
        and its counts: of candidates (-1) and, when they were fewer than asked, of the
        notes it looked at (-2)."""
        where, where_params = condition
        words = [CONFIG, self.text]
        sql = _PHRASE_WINDOW_SQL.format(
            where=where,
            pairs=self.pairs_condition(),
            recent=_PHRASE_RECENT_SQL if cutoff is not None else "",
            head_also=_HEAD_ALSO_SQL if self.head_also else "",
        )
        candidates = stop + PHRASE_CANDIDATES_MORE
        params = [
            *words, *where_params, *([cutoff] if cutoff is not None else []), newest, candidates,
            *where_params, *words, *(words if self.head_also else []), stop,
            *words, stop,
            candidates,
        ]  # fmt: skip
        rows = _planned_for_its_values(sql, params)
        counts = {row[1]: row[0] for row in rows if row[1] < 0}
        matches = sorted((row for row in rows if row[1] >= 0), key=lambda row: row[1:] + row[:1])
        matches.reverse()  # head matches first, then newest first, as RELEVANCE
        return matches, counts

    def _compiled_parts(self, stop: int) -> tuple[str, list[Any]]:
        query = search_query(self.text)
        head = _with_phrases(self.notes, self.text).filter(search_head=query)
        if self.head_also:
            head = head.filter(search_vector=query)
        body = self.matches.exclude(search_head=query)
        parts, params = [], []
        for part, rank in ((head, 1), (body, 0)):
            part_sql, part_params = (
                part.order_by("-modified", "-id")
                .values_list("id", "modified")[:stop]
                .query.sql_with_params()
            )
            parts.append(_PART_SQL.format(rank=rank, sql=part_sql))
            params.extend(part_params)
        order = " ORDER BY part DESC, modified DESC, id DESC LIMIT %s OFFSET %s"
        return " UNION ALL ".join(parts) + order, params


HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"


SNIPPET_SECONDS = 24 * 3600
# An extract is chosen from the part of a note's text where the query's words and phrases
# first appear (as written or by their stem): from a little before the first to a little
# after the last, when they are close together. PostgreSQL's ts_headline parses all the
# text it is given, milliseconds for a page of long notes; a note whose matches are far
# apart, or whose phrase is not found as written, gives all its text as before.
SNIPPET_BEFORE = 120
SNIPPET_AFTER = 480
SNIPPET_SPAN = 1500  # the farthest apart the first matches may be for a part to be taken
_SNIPPET_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
    'MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
)
_WORD_RE = re.compile(r"(?<![\w-])(-?)(\w{3,})")
_SNIPPET_SQL = r"""
WITH q AS MATERIALIZED (
    SELECT websearch_to_tsquery(%(config)s::regconfig, %(query)s) AS query
),
terms AS MATERIALIZED (
    -- A word without a stem is one the search leaves out ("the"): it places nothing.
    SELECT word, stem FROM (
        SELECT word,
               (SELECT min(lexeme) FROM unnest(to_tsvector(%(config)s::regconfig, word))) AS stem
        FROM unnest(%(words)s::text[]) AS word
    ) AS stemmed
    WHERE stem IS NOT NULL
),
found AS MATERIALIZED (
    SELECT n.id, n.body_text AS text, length(n.body_text) AS size, span.first, span.last,
           span.phrases_found
    FROM notes_note AS n
    CROSS JOIN LATERAL (SELECT lower(n.body_text) AS text OFFSET 0) AS low
    CROSS JOIN LATERAL (
        SELECT min(at) AS first, max(at) AS last,
               coalesce(bool_and(at IS NOT NULL) FILTER (WHERE phrase), true) AS phrases_found
        FROM (
            SELECT least(nullif(strpos(low.text, word), 0),
                         nullif(strpos(low.text, stem), 0)) AS at, false AS phrase
            FROM terms
            UNION ALL
            SELECT nullif(strpos(low.text, quoted), 0), true
            FROM unnest(%(phrases)s::text[]) AS quoted
        ) AS matches
    ) AS span
    WHERE n.id = ANY(%(ids)s)
),
pieces AS MATERIALIZED (
    SELECT id, text, greatest(1, first - %(before)s) AS start,
           last - first + %(before)s + %(after)s AS width,
           first IS NULL OR NOT phrases_found OR last - first > %(span)s
           OR size <= last - first + %(before)s + %(after)s AS whole
    FROM found
)
SELECT p.id, ts_headline(
    %(config)s::regconfig,
    CASE WHEN p.whole THEN p.text
    ELSE regexp_replace(
        regexp_replace(
            substr(p.text, p.start, p.width),
            CASE WHEN p.start > 1 THEN '^\S*\s+' ELSE '^$' END, ''),
        CASE WHEN p.start + p.width <= length(p.text) THEN '\s+\S*$' ELSE '^$' END, '')
    END,
    q.query,
    %(options)s)
FROM pieces AS p CROSS JOIN q
"""


def _located(text: str) -> tuple[list[str], list[str]]:
    """The words and quoted phrases of ``text`` an extract is placed by, as written (lower
    case): not those it excludes (``-word``, ``-"a phrase"``), nor ``or``, nor words of
    fewer than three letters, nor the words of a phrase (the phrase places it)."""
    phrases = [
        phrase.lower().strip()
        for sign, phrase in _QUOTED_RE.findall(text)
        if sign == "" and phrase.strip()
    ]
    words = [
        word.lower()
        for sign, word in _WORD_RE.findall(_QUOTED_RE.sub(" ", text))
        if sign == "" and word.lower() != "or"
    ]
    return list(dict.fromkeys(words)), list(dict.fromkeys(phrases))


def _snippet_key(entry: Entry, text: str) -> str:
    # The extract depends on nothing but the note's text (read back from its HTML, whose
    # digest the entry carries) and the query.
    digest = hashlib.sha256(repr((entry.pk, entry.body_digest, text)).encode()).hexdigest()
    return f"notes:snippet:{digest}"


def snippets(notes: Sequence[Entry], text: str) -> dict[int, SafeString]:
    """Highlighted extracts of the bodies of a page of results.

    PostgreSQL marks the matches with control characters; the extract is escaped here and
    only then are the markers turned into <mark>, so no text from a note is ever markup.
    An extract is cached under its note's text and the query, so it is never stale.
    """
    if not notes or not text:
        return {}
    keys = {note.pk: _snippet_key(note, text) for note in notes}
    found = cache.get_many(list(keys.values()))
    result = {pk: mark_safe(found[key]) for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in result]
    if not missing:
        return result
    words, phrases = _located(text)
    params = {
        "config": CONFIG,
        "query": text,
        "options": _SNIPPET_OPTIONS,
        "words": words,
        "phrases": phrases,
        "before": SNIPPET_BEFORE,
        "after": SNIPPET_AFTER,
        "span": SNIPPET_SPAN,
        "ids": missing,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SNIPPET_SQL, params)
        rows = cursor.fetchall()
    made = {}
    for pk, headline in rows:
        safe = (
            escape(headline).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
        )
        result[pk] = mark_safe(safe)
        made[keys[pk]] = safe
    cache.set_many(made, SNIPPET_SECONDS)
    return result


def did_you_mean(text: str, *, reader: Any) -> Paper | None:
    """A paper listed for ``reader`` (``notes.visibility``) whose title looks like a
    misspelling of the query, if any.

    Not for a query with a quoted phrase: it asks for these words in this order, and a
    title like it is found by comparing it with every title that shares enough of its
    letter triples, for a phrase of common words most titles (tens of milliseconds at
    60,000 papers, growing with them).
    """
    if len(text) < 4 or '"' in text:
        return None
    return (
        Paper.objects.filter(visibility.papers_listed_q(reader), title__trigram_similar=text)
        .annotate(similarity=TrigramSimilarity("title", text))
        .order_by("-similarity")
        .first()
    )
