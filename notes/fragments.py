"""Rendered pieces of pages, remembered under a digest of everything they show.

A list page repeats the same entry markup twenty or more times and a long history repeats
its row markup hundreds of times; rendering them is most of such a page's cost. A piece
is remembered under a digest of all its inputs (the note's revision and text, the paper's
title and year, the author's names, the time zone and the URL prefix), so a remembered
piece is always exactly what rendering would give: any change makes a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from notes.models import Note

ENTRY_TEMPLATE = "notes/_entry.html"
RESULT_TEMPLATE = "notes/_search_result.html"
HISTORY_ROWS_TEMPLATE = "notes/_history_rows.html"
FRAGMENT_SECONDS = 24 * 3600
# Where an entry's reader-dependent vote button goes (``notes/_entry.html`` with
# ``votable``); the remembered entry is the same for every reader. Sanitised note bodies
# never hold comments, and the slot comes before the body anyway.
VOTE_SLOT = "<!--vote-->"


@lru_cache(maxsize=1)
def _templates_version() -> str:
    """A digest of the templates and template helpers the pieces are made with.

    Part of every key, so that pieces remembered in a shared cache (Redis) by an earlier
    release of the templates are not served after a deploy that changes them.
    """
    base = Path(settings.BASE_DIR)
    sources = sorted(
        [*(base / "templates").rglob("*.html"), *Path(__file__).parent.glob("templatetags/*.py")]
    )
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _digest(kind: str, inputs: Iterable[Any]) -> str:
    context = (_templates_version(), timezone.get_current_timezone_name(), get_script_prefix())
    text = repr((context, *inputs))
    return f"notes:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def entry_inputs(note: Note) -> tuple[Any, ...]:
    """Everything ``notes/_entry.html`` shows of ``note``; a new field shown is added here."""
    paper, author = note.paper, note.author
    return (
        (note.pk, note.revision, note.visibility, note.modified, note.tag_names, note.hidden_at),
        (note.comment_count, note.vote_count, note.view_count),
        hashlib.sha256(note.body_html.encode()).hexdigest(),
        (note.paper_id, paper.title, paper.year),
        (author.username, author.name),
    )


def _render_each(
    notes: Sequence[Note],
    kind: str,
    template: str,
    inputs: Callable[[Note], Any],
    extra: dict[str, Any] | None = None,
) -> list[SafeString]:
    """Each of ``notes`` rendered with ``template``, in order, remembered under its inputs.

    ``extra`` is the same for every note and part of what ``kind`` means.
    """
    keys = [_digest(kind, inputs(note)) for note in notes]
    found = cache.get_many(keys)
    rendered = {}
    result = []
    for note, key in zip(notes, keys, strict=True):
        html = found.get(key)
        if html is None:
            html = rendered[key] = render_to_string(template, {"note": note, **(extra or {})})
        result.append(mark_safe(html))
    if rendered:
        cache.set_many(rendered, FRAGMENT_SECONDS)
    return result


def render_entries(
    notes: Sequence[Note], *, vote_button: Callable[[Note], str] | None = None
) -> None:
    """Set ``entry_html`` on each of ``notes``: its entry, rendered or remembered.

    With ``vote_button``, each entry carries the button it gives for that note (made for
    the reader on every request) in the remembered entry's vote slot.
    """
    if vote_button is None:
        rendered = _render_each(notes, "entry", ENTRY_TEMPLATE, entry_inputs)
    else:
        rendered = _render_each(
            notes, "votable-entry", ENTRY_TEMPLATE, entry_inputs, {"votable": True}
        )
        rendered = [
            mark_safe(html.replace(VOTE_SLOT, vote_button(note), 1))
            for note, html in zip(notes, rendered, strict=True)
        ]
    for note, html in zip(notes, rendered, strict=True):
        note.entry_html = html


def render_results(notes: Sequence[Note]) -> None:
    """Set ``result_html`` on each search result, with its ``snippet`` (or plain text)."""

    def inputs(note: Note) -> tuple[Any, ...]:
        return (*entry_inputs(note), note.snippet or note.body_text)

    rendered = _render_each(notes, "result", RESULT_TEMPLATE, inputs)
    for note, html in zip(notes, rendered, strict=True):
        note.result_html = html


def render_history_rows(
    note: Note,
    records: list[tuple[Any, ...]],
    table_rows: Callable[[Note, list[tuple[Any, ...]]], list[dict[str, Any]]],
) -> SafeString:
    """The rows of a note's history table, rendered or remembered.

    ``records`` are the history rows as read; ``table_rows`` makes the table's rows of
    them, only when they have to be rendered.
    """
    key = _digest("history", [note.pk, note.revision, records])
    html = cache.get(key)
    if html is None:
        rows = table_rows(note, records)
        html = render_to_string(HISTORY_ROWS_TEMPLATE, {"note": note, "rows": rows})
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)
