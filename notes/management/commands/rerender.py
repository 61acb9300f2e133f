"""Render the stored texts again with the current renderer (run it after upgrading).

Notes and comments store their HTML and plain text, rendered when they were saved, and so do
the rows of their history. When the renderer changes (a sanitiser rule, the id prefixes, the
image policy), this command brings every stored copy to what the renderer makes of the text
now: the current text of each note and comment, and each history row's own text, with the same
id prefix as the note or comment it belongs to.

It only writes what changed, so a second run writes nothing. It never creates a revision or a
history row, and a row is written only if it still holds the text that was rendered (a note
saved meanwhile is left to its own save). A text the renderer now refuses keeps its old HTML
and is listed. It works in batches and shows its progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Model, QuerySet

from accounts.models import User
from notes.markup.rendering import Rendered, comment_id_prefix, note_id_prefix
from notes.models import Comment, Note
from notes.selectors import search
from notes.services import TooComplexToRender, render_note_body


@dataclass
class Tally:
    """What a pass over one kind of row did."""

    kind: str
    seen: int = 0
    changed: int = 0
    refused: list[int] = field(default_factory=list)

    def line(self) -> str:
        line = f"{self.kind}: {self.seen:,} rendered, {self.changed:,} changed"
        if self.refused:
            shown = ", ".join(map(str, self.refused[:20]))
            line += f"; refused, kept as they were: {len(self.refused):,} ({shown})"
        return line


@dataclass(frozen=True)
class _Kind:
    name: str
    queryset: Callable[[], QuerySet[Any]]
    key: str  # the primary key field: "id", or "history_id" for history rows
    owner: str  # the field holding the note's or comment's id
    prefix: Callable[[int], str]
    # The fields that must be as they were read for the new HTML to be written (history rows
    # never change).
    guard: tuple[str, ...]
    after_batch: Callable[[list[int]], None] | None = None


def _kinds() -> list[_Kind]:
    historical_note = Note.history.model
    historical_comment = Comment.history.model
    return [
        _Kind(
            "notes",
            lambda: Note.objects.only("id", "author", "body", "body_html", "body_text", "revision"),
            "id",
            "id",
            note_id_prefix,
            ("revision",),
            # The search document is built from the plain text.
            after_batch=lambda ids: search.refresh(note_ids=ids),
        ),
        _Kind(
            "note history rows",
            lambda: historical_note.objects.only(
                "history_id", "id", "author", "body", "body_html", "body_text"
            ),
            "history_id",
            "id",
            note_id_prefix,
            (),
        ),
        _Kind(
            "comments",
            lambda: Comment.objects.only("id", "author", "body", "body_html", "body_text"),
            "id",
            "id",
            comment_id_prefix,
            ("body",),
        ),
        _Kind(
            "comment history rows",
            lambda: historical_comment.objects.only(
                "history_id", "id", "author", "body", "body_html", "body_text"
            ),
            "history_id",
            "id",
            comment_id_prefix,
            (),
        ),
    ]


def rerender(
    *, batch_size: int = 200, progress: Callable[[str], None] | None = None
) -> list[Tally]:
    """Render every stored text again; what each pass did. See the module docstring."""
    authors: dict[int, User | AnonymousUser] = {}
    return [_rerender(kind, batch_size, progress, authors) for kind in _kinds()]


def _rerender(
    kind: _Kind,
    batch_size: int,
    progress: Callable[[str], None] | None,
    authors: dict[int, User | AnonymousUser],
) -> Tally:
    tally = Tally(kind.name)
    total = kind.queryset().count()
    for batch in _batches(kind, batch_size):
        # The same text of the same note by the same author renders the same: history rows
        # repeat their note's text whenever a revision changed only tags or visibility.
        done: dict[tuple[int, int, str], Rendered | None] = {}
        changed: list[int] = []
        for row in batch:
            tally.seen += 1
            owner = getattr(row, kind.owner)
            key = (owner, row.author_id, row.body)
            if key not in done:
                done[key] = _render(row, kind.prefix(owner), authors)
            rendered = done[key]
            if rendered is None:
                tally.refused.append(getattr(row, kind.key))
                continue
            if (rendered.html, rendered.text) == (row.body_html, row.body_text):
                continue
            guard = {name: getattr(row, name) for name in kind.guard}
            written = (
                type(row)
                .objects.filter(**{kind.key: getattr(row, kind.key)}, **guard)
                .update(body_html=rendered.html, body_text=rendered.text)
            )
            if written:
                changed.append(owner)
        tally.changed += len(changed)
        if changed and kind.after_batch is not None:
            kind.after_batch(changed)
        if progress is not None:
            progress(f"{kind.name}: {tally.seen:,} of {total:,} ({tally.changed:,} changed)")
    return tally


def _batches(kind: _Kind, batch_size: int) -> Iterator[list[Model]]:
    """The rows in order of their key, a batch at a time (keyset paging: no OFFSET)."""
    last = 0
    while True:
        batch = list(
            kind.queryset().filter(**{f"{kind.key}__gt": last}).order_by(kind.key)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = getattr(batch[-1], kind.key)


def _render(row: Model, prefix: str, authors: dict[int, User | AnonymousUser]) -> Rendered | None:
    author_id = row.author_id  # type: ignore[attr-defined]
    if author_id not in authors:
        # A history row can outlive its author; then it links only public notes.
        authors[author_id] = User.objects.filter(pk=author_id).first() or AnonymousUser()
    try:
        return render_note_body(
            author=authors[author_id],  # type: ignore[arg-type]
            body=row.body,  # type: ignore[attr-defined]
            id_prefix=prefix,
        )
    except TooComplexToRender:
        return None


class Command(BaseCommand):
    help = (
        "Render the stored HTML of every note, comment and history row again with the current "
        "renderer. Run it after upgrading; running it twice changes nothing the second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        tallies = rerender(batch_size=max(batch_size, 1), progress=self.stdout.write)
        for tally in tallies:
            self.stdout.write(tally.line())
