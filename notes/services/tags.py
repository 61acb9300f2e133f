"""Tags as the editor reads them, and the staff's rename/merge of tags."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from accounts.models import User
from notes.markup.rendering import Rendered, note_id_prefix
from notes.models import Note
from notes.services import follows
from notes.services.notes import (
    NoteContent,
    TooComplexToRender,
    locked_note,
    render_note_body,
    save_revision,
)
from papernotes.db import retrying


@dataclass
class TagsRenamed:
    """What ``tags_rename`` did: the notes given a new revision, and those left as they
    were because their text could not be rendered again within its budget."""

    notes: int = 0
    not_rendered: list[int] = field(default_factory=list)


def tags_rename(*, names: Iterable[str], to: str, user: User) -> TagsRenamed:
    """Rename the tags ``names`` to ``to`` in every note that carries one of them; several
    names, or a ``to`` that exists already, make a merge.

    The notes are found through taggit's rows (the tag vocabulary). Each changes by a new
    revision written by ``user`` (counts, search data and history follow, as for any save),
    one note per transaction, so that a long rename holds no lock on many notes at once;
    running it again finishes what an interrupted run left. Follows of an old name move to
    ``to``, and an old name no note carries any more leaves the vocabulary.
    """
    from taggit.models import Tag

    old = set(names) - {to}
    done = TagsRenamed()
    message = f"Tags renamed: {', '.join(sorted(old))} → {to}"
    note_ids = Note.objects.filter(tags__name__in=old).order_by("pk").values_list("pk", flat=True)
    for pk in list(dict.fromkeys(note_ids)):
        while True:
            note = Note.objects.select_related("author").get(pk=pk)
            if not old & set(note.tag_names):
                break
            try:
                rendered = render_note_body(
                    author=note.author, body=note.body, id_prefix=note_id_prefix(pk)
                )
            except TooComplexToRender:
                done.not_rendered.append(pk)
                break

            def save(read: Note = note, rendered: Rendered = rendered) -> bool:
                head = locked_note(read.pk)
                if head.revision != read.revision:
                    return False  # saved meanwhile: read it again
                content = NoteContent(
                    body=head.body,
                    tags=sorted((set(head.tag_names) - old) | {to}),
                    visibility=head.visibility,
                    edit_message=message,
                )
                save_revision(head, content, rendered, user=user)
                return True

            if retrying(save):
                done.notes += 1
                break
    follows.tags_renamed(old=old, to=to)
    Tag.objects.filter(name__in=old, notes_taggednote_items__isnull=True).delete()
    return done


def note_tags(text: str) -> list[str]:
    """Tags as the editor reads them (space or comma separated, ``#`` and case dropped),
    sorted; raises ``ValueError`` saying which are not tags, or that there are too many."""
    from django.core.exceptions import ValidationError

    from notes.tag_rules import checked_tags

    try:
        return checked_tags(text)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from exc
