"""Small factories for test data; writes go through the same services as the site."""

from __future__ import annotations

import copy
from collections.abc import Container
from itertools import count

from accounts.models import User
from notes.models import Comment, Delivery, Note, NotificationKind, Paper, Visibility
from notes.services import NoteContent, note_create, note_save, notifications
from notes.services.comments import comment_post

_numbers = count(1)


def make_paper(creator: User | None = None, **fields: object) -> Paper:
    n = next(_numbers)
    fields.setdefault("title", f"A study of things, part {n}")
    fields.setdefault("authors", "Ada Lovelace, Alan Turing")
    fields.setdefault("year", 2017)
    return Paper.objects.create(created_by=creator, **fields)


def make_note(
    author: User,
    paper: Paper | None = None,
    *,
    body: str = "A summary with $x_i$ math.",
    tags: list[str] | None = None,
    visibility: str = Visibility.PUBLIC,
) -> Note:
    return note_create(
        paper=paper or make_paper(author),
        author=author,
        content=NoteContent(body=body, tags=tags or ["physics"], visibility=visibility),
    )


def revise(note: Note, body: str, *, tags: list[str] | None = None, message: str = "") -> Note:
    return note_save(
        note=note,
        user=note.author,
        content=NoteContent(
            body=body,
            tags=note.tag_names if tags is None else tags,
            visibility=note.visibility,
            edit_message=message,
        ),
        base_revision=note.revision,
    )


def with_revisions(author: User, count: int, *, private: Container[int] = ()) -> Note:
    """A public note with ``count`` revisions: the last three saved for real, the rest
    bulk-made as copies of the first (revision n's text is "revision n"); the bulk-made
    revisions numbered in ``private`` were saved private."""
    note = make_note(author, body="revision 0", tags=["t"])
    first = note.history.get()
    bulk = count - 3
    Historical = note.history.model
    rows = []
    for n in range(1, bulk):
        row = copy.copy(first)
        row.pk = None
        row.history_id = None
        row.revision = n
        row.body = row.body_text = f"revision {n}"
        row.body_html = f"<p>revision {n}</p>"
        row.tag_names = ["t", f"t{n % 3}"]
        row.body_size = len(row.body)
        if n in private:
            row.visibility = Visibility.PRIVATE
        rows.append(row)
    Historical.objects.bulk_create(rows)
    Note.objects.filter(pk=note.pk).update(revision=max(bulk, 1) - 1)
    note.refresh_from_db()
    for n in range(max(bulk, 1), count):
        note = revise(note, f"revision {n}", tags=["t", f"t{n % 3}"])
    assert note.history.count() == count
    return note


def make_comment(
    note: Note, author: User, body: str = "A comment with $y^2$.", parent: Comment | None = None
) -> Comment:
    return comment_post(note=note, author=author, body=body, parent=parent)


def prefer(user: User, **kinds: str) -> None:
    """``user`` told of every kind of notification in the site only, but ``kinds``
    (kind: delivery)."""
    notifications.save_preferences(
        user=user, deliveries={**dict.fromkeys(NotificationKind.values, Delivery.IN_APP), **kinds}
    )
