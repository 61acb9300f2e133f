"""Data derived from notes and comments: public counts, the public generation, and
the ``{N}`` references written in texts. Kept in step by the services, never edited."""

from __future__ import annotations

from django.db import models

from notes.models.notes import Note


class PublicCount(models.Model):
    """How many public notes out of the trash there are: in all, and with each tag.

    Kept by ``notes.caching.public_counts`` on every change of a note, so that the index and the tag
    pages know their number of pages without counting tens of thousands of rows.
    """

    key = models.CharField(max_length=110, primary_key=True)
    count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class PublicCountDelta(models.Model):
    """A change to a ``PublicCount`` not yet added to it: rows that live only inside the
    transaction that wrote them.

    ``notes.caching.public_counts`` writes here, without touching the shared count rows; a trigger
    adds
    the transaction's changes to the counts as it commits, last of all (migration 0012,
    ``notes.caching.generations``), and deletes them.
    """

    key = models.CharField(max_length=110)
    delta = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.delta:+d}"


class Generation(models.Model):
    """A number that changes with every change to what is public of the notes and papers.

    Database triggers (migrations 0009 and 0012) give ``public`` a new number from a
    sequence when a transaction that inserted, deleted or updated the note and paper columns
    that public pieces are made of (not a view being counted) commits. The row changes in
    that transaction, so it is seen changed exactly when the change is, in every process; a
    sequence never gives a number twice, not even after a rollback. ``notes.caching.generations``
    reads it and explains why this is enough.
    """

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class NoteReference(models.Model):
    """``{N}`` written in ``source``'s current revision; read as "referenced by" on N while
    it is a link (``linked``).

    Kept for every existing note cited, linkable or not, so that when N's visibility,
    trash or hidden state changes, the notes that cite it are found and rendered again
    (``notes.services.relink_references_to``).
    """

    source = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="referenced_by")
    # Whether ``source``'s stored HTML links it: its author could read N when it was rendered.
    linked = models.BooleanField(default=True, db_default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="notes_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{{{self.source_id}}} → {{{self.target_id}}}"


class CommentReference(models.Model):
    """``{N}`` written in ``comment``'s current text (linked or not), so that the comment
    is rendered again when N's visibility, trash or hidden state changes."""

    comment = models.ForeignKey("Comment", on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cited_by_comments")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "target"], name="notes_comment_reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.comment_id} → {{{self.target_id}}}"


class PublicTagged(models.Model):
    """A public note (out of the trash, not hidden) under one of its tags, by date.

    A tag's notes, newest first, are a walk of this table's key from the tag's first row,
    whatever the other tags hold: a tag's page skips only the tag's own notes. Kept by
    database triggers on the notes (migration 0023), in the transaction that changes a
    note, so it is never behind: ``modified`` is the note's. Read through
    ``notes.caching.public_tagged`` (tag lists, feeds, the API's tag lists).
    """

    pk = models.CompositePrimaryKey("tag", "modified", "note")
    tag = models.CharField(max_length=100)
    modified = models.DateTimeField()
    # No constraint: the triggers remove a note's rows as the note goes.
    note = models.ForeignKey(
        Note,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"{self.tag}: {{{self.note_id}}}"
