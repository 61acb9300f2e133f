"""Rendered pieces of pages, cached under a digest of everything they show.

A list page repeats the same entry markup twenty or more times and a long history repeats
its row markup hundreds of times; rendering them is most of such a page's cost. A piece
is cached under a digest of all its inputs (the note's revision and text, the paper's
title and year, the author's names, the language, the time zone and the URL prefix), so a cached
piece is always exactly what rendering would give: any change makes a new key.
"""

from __future__ import annotations

import hashlib
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from notes.caching import entry_html
from notes.models import VOTED_SQL, Note, Visibility
from notes.models.papers import first_author_surname

FRAGMENT_SECONDS = 24 * 3600
# Where an entry's reader-dependent vote button goes (``entry_html.entry`` with
# ``votable``); the cached entry is the same for every reader. Sanitised note bodies
# never hold comments, and the slot comes before the body anyway.
VOTE_SLOT = "<!--vote-->"


@lru_cache(maxsize=1)
def _templates_version() -> str:
    """A digest of the templates, template helpers and translations the pieces are made with.

    Part of every key, so that pieces cached in a shared cache (Redis) by an earlier
    release of the templates are not served after a deploy that changes them.
    """
    base = Path(settings.BASE_DIR)
    sources = sorted(
        [
            *(base / "templates").rglob("*.html"),
            *(base / "notes" / "templatetags").glob("*.py"),
            base / "notes" / "caching" / "entry_html.py",
            *(base / "locale").rglob("*.mo"),
        ]
    )
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def digest(kind: str, inputs: Iterable[Any]) -> str:
    """The cache key of a piece of ``kind`` made of ``inputs`` (and of the templates' version,
    the language, the time zone and the URL prefix, which every piece depends on)."""
    return digests(kind, [inputs])[0]


def digests(kind: str, each: Iterable[Iterable[Any]]) -> list[str]:
    """``digest(kind, inputs)`` for each of ``each``, the context looked up once."""
    context = (
        _templates_version(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
    )
    sha256 = hashlib.sha256
    return [
        f"notes:{kind}:{sha256(repr((context, *inputs)).encode()).hexdigest()}" for inputs in each
    ]


# What an entry shows of a note, as one row read by column name (the body by its MD5
# digest, which PostgreSQL keeps in a column of its own, migration 0010, so the text itself
# is read only for an entry that has to be rendered). A field shown in an entry is added
# here. The notes table keeps its own name, so that a condition compiled by the ORM
# (``entries_of``) can follow.
ENTRY_COLUMNS = {
    "id": "notes_note.id",
    "created": "notes_note.created",
    "revision": "notes_note.revision",
    "visibility": "notes_note.visibility",
    "modified": "notes_note.modified",
    "tag_names": "notes_note.tag_names",
    "hidden_at": "notes_note.hidden_at",
    "comment_count": "notes_note.comment_count",
    "vote_count": "notes_note.vote_count",
    "view_count": "notes_note.view_count",
    "paper_id": "notes_note.paper_id",
    "title": "p.title",
    "year": "p.year",
    "username": "u.username",
    "display_name": "u.display_name",
    "authors": "p.authors",
    "body_digest": "notes_note.body_digest",
}
EntryRow = namedtuple("EntryRow", ENTRY_COLUMNS)  # type: ignore[misc]
_ENTRY_SELECT = (
    "SELECT "
    + ", ".join(ENTRY_COLUMNS.values())
    + """{extra}
FROM notes_note
JOIN notes_paper AS p ON p.id = notes_note.paper_id
JOIN accounts_user AS u ON u.id = notes_note.author_id
"""
)
# A constant statement: no query to build on each page, and the server keeps its plan (a
# prepared statement) from one page to the next.
_ENTRY_SQL = _ENTRY_SELECT.format(extra="") + "WHERE notes_note.id = ANY(%s)"


class Entry:
    """A note in a list: the row its entry is cached under, then the entry's HTML.

    The note itself (a model with its paper, author and text) is read only when its entry
    is not cached: a list page whose entries are cached reads one small row each.
    """

    __slots__ = ("created", "entry_html", "pk", "result_html", "row", "snippet")

    def __init__(self, row: Sequence[Any]) -> None:
        self.row = EntryRow._make(row)
        self.pk, self.created = self.row.id, self.row.created
        self.snippet: SafeString | None = None
        self.entry_html = self.result_html = SafeString()

    @property
    def tag_names(self) -> list[str]:
        return self.row.tag_names

    @property
    def vote_count(self) -> int:
        return self.row.vote_count

    @property
    def body_digest(self) -> str:
        return self.row.body_digest


def read_entries(ids: Sequence[int]) -> list[Entry]:
    """The entries of the notes ``ids``, in that order (a note gone meanwhile is left out)."""
    with connection.cursor() as cursor:
        cursor.execute(_ENTRY_SQL, [list(ids)])
        found = {row[0]: Entry(row) for row in cursor.fetchall()}
    return [found[pk] for pk in ids if pk in found]


def condition_of(notes: QuerySet[Note]) -> tuple[str, list[Any]] | None:
    """The WHERE condition of ``notes`` as the ORM compiles it (the notes table by its own
    name), or ``None`` when it needs another table (a join)."""
    query = notes.query
    if sum(1 for count in query.alias_refcount.values() if count) > 1:
        return None
    where, params = query.get_compiler(connection.alias).compile(query.where)
    return where or "TRUE", list(params)


def entries_of(
    notes: QuerySet[Note], order: Sequence[str], *, voter: Any = None
) -> list[tuple[Entry, int, bool]]:
    """Every note of ``notes`` as an entry, with its author's id and whether ``voter`` (a
    logged-in user, if any) voted for it, in ``order`` (note columns, ``-`` for descending).

    One query: ``notes`` is a condition on the notes table alone (``visible_to`` and
    filters), compiled by the ORM and written into the entry rows' statement.
    """
    compiled = condition_of(notes)
    if compiled is None:
        raise ValueError("entries_of takes a condition on the notes table alone.")
    where, params = compiled
    voted = [f"EXISTS ({VOTED_SQL})", [voter.pk]] if voter is not None else ["false", []]
    sql = _ENTRY_SELECT.format(extra=f", notes_note.author_id, {voted[0]}") + (
        f"WHERE {where} ORDER BY "
        + ", ".join(
            f"notes_note.{Note._meta.get_field(name.removeprefix('-')).column}"
            + (" DESC" if name.startswith("-") else "")
            for name in order
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*voted[1], *params])
        width = len(ENTRY_COLUMNS)
        return [(Entry(row[:width]), *row[width:]) for row in cursor.fetchall()]


class _EntryPaper(NamedTuple):
    title: str
    year: int | None
    first_author_surname: str


class _EntryAuthor(NamedTuple):
    username: str
    name: str


class EntryNote:
    """A note as its entry and search result show it (``entry_html``), made of its entry
    row and the one text shown: no note, paper and author read as models, which cost more
    than rendering the entry."""

    __slots__ = (
        *("author", "body_html", "body_text", "comment_count", "is_hidden", "is_public"),
        *("modified", "paper", "paper_id", "pk", "ref", "tag_names", "view_count"),
        "vote_count",
    )

    def __init__(self, row: EntryRow, text: str, field: str) -> None:
        self.pk, self.ref, self.paper_id = row.id, f"{{{row.id}}}", row.paper_id
        self.modified, self.tag_names = row.modified, row.tag_names
        self.is_public = row.visibility == Visibility.PUBLIC
        self.is_hidden = row.hidden_at is not None
        self.comment_count, self.vote_count = row.comment_count, row.vote_count
        self.view_count = row.view_count
        self.paper = _EntryPaper(row.title, row.year, first_author_surname(row.authors))
        self.author = _EntryAuthor(row.username, row.display_name or row.username)
        self.body_html = text if field == "body_html" else ""
        self.body_text = text if field == "body_text" else ""


_TEXT_SQL = "SELECT id, {field}, body_digest FROM notes_note WHERE id = ANY(%s)"


def _notes_of(entries: Sequence[Entry], field: str) -> dict[int, tuple[EntryNote, bool]]:
    """The notes of ``entries`` with their text ``field`` (``body_html`` or ``body_text``),
    read once for all of them (only the text: the rest is in the rows), and whether each
    is still as its row says (its text may have changed since)."""
    with connection.cursor() as cursor:
        cursor.execute(_TEXT_SQL.format(field=field), [[entry.pk for entry in entries]])
        texts = {pk: (text, digest) for pk, text, digest in cursor.fetchall()}
    return {
        entry.pk: (EntryNote(entry.row, text, field), digest == entry.row.body_digest)
        for entry in entries
        if entry.pk in texts
        for text, digest in [texts[entry.pk]]
    }


def _render_each(
    entries: Sequence[Entry],
    kind: str,
    render: Callable[[Entry, EntryNote], str],
    inputs: Callable[[Entry], tuple[Any, ...]] = lambda entry: (),
    *,
    text: str = "body_html",
) -> list[SafeString]:
    """Each of ``entries`` rendered by ``render`` (given the entry and its note, with its
    ``text``), in order, cached under its row and ``inputs``."""
    keys = digests(kind, [(entry.row, *inputs(entry)) for entry in entries])
    found = cache.get_many(keys)
    missing = [entry for entry, key in zip(entries, keys, strict=True) if key not in found]
    if missing:
        notes = _notes_of(missing, text)
        rendered = {}
        for entry, key in zip(entries, keys, strict=True):
            if key not in found and entry.pk in notes:
                note, as_in_row = notes[entry.pk]
                found[key] = html = render(entry, note)
                if as_in_row:  # a text changed since its row was read is not cached under it
                    rendered[key] = html
        cache.set_many(rendered, FRAGMENT_SECONDS)
    return [mark_safe(found.get(key, "")) for key in keys]


def render_entries(entries: Sequence[Entry], *, vote_buttons: dict[int, str] | None = None) -> None:
    """Set ``entry_html`` on each of ``entries``: its entry, rendered or cached.

    With ``vote_buttons`` (a note's id: the reader's button for it, made on every request),
    each entry carries its button in the cached entry's vote slot.
    """
    if vote_buttons is None:
        rendered = _render_each(entries, "entry", lambda entry, note: entry_html.entry(note))
    else:
        rendered = _render_each(
            entries,
            "votable-entry",
            lambda entry, note: entry_html.entry(note, votable=True),
        )
        rendered = [
            mark_safe(html.replace(VOTE_SLOT, vote_buttons.get(entry.pk, ""), 1))
            for entry, html in zip(entries, rendered, strict=True)
        ]
    for entry, html in zip(entries, rendered, strict=True):
        entry.entry_html = html


def render_results(entries: Sequence[Entry]) -> None:
    """Set ``result_html`` on each search result, with its ``snippet`` (or plain text)."""
    rendered = _render_each(
        entries,
        "result",
        lambda entry, note: entry_html.search_result(note, entry.snippet),
        lambda entry: (entry.snippet,),
        text="body_text",  # a result shows an extract of the text
    )
    for entry, html in zip(entries, rendered, strict=True):
        entry.result_html = html


def render_history_rows(
    note: Note,
    records: list[tuple[Any, ...]],
    table_rows: Callable[[Note, list[tuple[Any, ...]]], list[dict[str, Any]]],
) -> SafeString:
    """The rows of a note's history table, rendered or cached.

    ``records`` are the history rows as read; ``table_rows`` makes the table's rows of
    them, only when they have to be rendered.
    """
    key = digest("history", [note.pk, note.revision, records])
    html = cache.get(key)
    if html is None:
        rows = table_rows(note, records)
        html = entry_html.history_rows(note, rows)
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)


def render_notification_rows(
    rows: list[tuple[Any, ...]], notifications: Callable[[list[tuple[Any, ...]]], list[Any]]
) -> SafeString:
    """The lines of a page of the inbox, rendered or cached.

    ``rows`` are the notifications as read (every column their lines show, with their
    recipient); ``notifications`` makes notifications of them, only when they have to be
    rendered.
    """
    key = digest("inbox", rows)
    html = cache.get(key)
    if html is None:
        html = entry_html.notification_lines(notifications(rows))
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)
