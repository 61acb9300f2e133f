"""Small factories for test data; writes go through the same services as the site."""

from __future__ import annotations

from itertools import count

from accounts.models import User
from notes.comments import comment_post
from notes.models import Comment, Note, Paper, Visibility
from notes.services import NoteContent, note_create, note_save

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


def make_comment(
    note: Note, author: User, body: str = "A comment with $y^2$.", parent: Comment | None = None
) -> Comment:
    return comment_post(note=note, author=author, body=body, parent=parent)
