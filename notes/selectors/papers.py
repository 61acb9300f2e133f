"""What a paper's page reads with the paper: the reader's own rating and summary."""

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL

from notes import visibility
from notes.caching import generations
from notes.models import Note, Paper, PaperRating

# The reader's own rating of the paper and own summary of it (at most one of each, by the
# tables' unique constraints), read as columns of the paper's row: each was a query built
# by the ORM on every visit of a logged-in reader, which cost more than the answer.
_RATING_SQL = "SELECT r.stars FROM {ratings} AS r WHERE r.paper_id = {papers}.id AND r.user_id = %s"
_OWN_NOTE_SQL = (
    "SELECT n.{field} FROM {notes} AS n WHERE n.paper_id = {papers}.id AND n.author_id = %s"
)


def _of_reader(sql: str, reader: Any, output_field: Any, **names: str) -> RawSQL | Value:
    own = visibility.reader_id(reader)
    if own is None:
        return Value(None, output_field=output_field)
    tables = {"papers": Paper._meta.db_table, **names}
    return RawSQL(f"({sql.format(**tables)})", [own], output_field=output_field)  # noqa: S611 - names of models only; the reader's id is a parameter


def papers_for_page(reader: Any) -> QuerySet[Paper]:
    """Papers with what their page shows of ``reader``: ``viewer_rating`` (stars or
    ``None``), ``viewer_note_id`` and ``viewer_note_deleted_at`` (their summary, if any), and
    ``viewer_has_unlisted`` (``visibility.has_unlisted``), with the public generation
    (``notes.caching.generations``)."""
    notes = Note._meta.db_table
    return Paper.objects.annotate(
        public_generation=generations.annotation(),
        viewer_has_unlisted=visibility.has_unlisted(reader),
        viewer_rating=_of_reader(
            _RATING_SQL, reader, IntegerField(), ratings=PaperRating._meta.db_table
        ),
        viewer_note_id=_of_reader(_OWN_NOTE_SQL, reader, IntegerField(), notes=notes, field="id"),
        viewer_note_deleted_at=_of_reader(
            _OWN_NOTE_SQL, reader, DateTimeField(), notes=notes, field="deleted_at"
        ),
    )


def own_note(paper: Paper) -> Note | None:
    """The reader's summary of ``paper`` as ``papers_for_page`` read it: enough of a note for its
    links and whether it is in the trash."""
    if paper.viewer_note_id is None:
        return None
    return Note(id=paper.viewer_note_id, paper_id=paper.pk, deleted_at=paper.viewer_note_deleted_at)
