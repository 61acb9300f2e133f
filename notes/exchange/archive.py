"""All of a user's notes in one zip, and that zip imported back (here or on another site).

The archive holds:

- ``notes/<N>-<title>.md``: each note's current text, with YAML front matter (paper,
  identifiers, tags, visibility, dates, revision, URL), its ``{N}`` references to the
  user's other notes as relative links between the files;
- ``notes.json``: everything, for the import: every revision of every note (body, tags,
  visibility, edit message, author, date), and the user's comments, votes, ratings and
  follows;
- ``papers.bib``: the papers of the notes, as BibTeX.

It is written as it streams (``export_stream``): notes are read a chunk at a time and the
zip goes out file by file, so a user with thousands of notes costs the worker no more
memory than a chunk. Notes in the trash stay out.

``read_archive`` checks an uploaded archive whole (``uploads.open_zip``, then the
structure and every field of ``notes.json``) before anything is written; then
``plan_import``, ``import_notes`` (a part at a time) and ``link_imported`` write it, run as
a job by ``notes.exchange.imports``.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from accounts.models import User
from notes.exchange import citations
from notes.exchange.bibtex_import import title_key
from notes.exchange.uploads import Refused, open_zip, read_member
from notes.markup.identifiers import normalize_arxiv_id, normalize_doi, normalize_pmid
from notes.models import (
    MAX_BODY_BYTES,
    Comment,
    Follow,
    Note,
    NoteVote,
    Paper,
    PaperRating,
    Visibility,
)
from notes.services import (
    EditConflict,
    ImportedRevision,
    NoteContent,
    TooComplexToRender,
    note_import,
    note_render_again,
    paper_find_or_create,
    reserve_id,
)
from notes.tag_rules import MAX_TAG_LENGTH, MAX_TAGS, TAG_RE
from notes.wording import Said, said

FORMAT = "papernotes-notes"
VERSION = 1
CHUNK = 100
_REF_RE = re.compile(r"\{([1-9][0-9]{0,9})\}")
PAPER_FIELDS = ("title", "authors", "year", "venue", "abstract", "url", "doi", "arxiv_id", "pmid")


class _Sink(io.RawIOBase):
    """Where the zip is written: kept until the stream takes it. Not seekable, so zipfile
    writes each member's sizes after its data."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def file_name(note_pk: int, title: str) -> str:
    return f"{note_pk}-{slugify(title, allow_unicode=True)[:60] or 'note'}.md"


def _paper_dict(paper: Paper) -> dict[str, Any]:
    return {name: getattr(paper, name) for name in PAPER_FIELDS}


def _own_notes(user: User) -> Any:
    return Note.objects.filter(author=user, deleted_at__isnull=True).order_by("pk")


def _chunks(user: User) -> Iterator[list[Note]]:
    ids = list(_own_notes(user).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield list(
            Note.objects.filter(pk__in=ids[start : start + CHUNK])
            .select_related("paper")
            .without_search_data()
            .order_by("pk")
        )


def _front_matter(note: Note, names: dict[int, str]) -> str:
    paper = note.paper
    meta = {
        "title": paper.title,
        "authors": paper.author_list,
        "year": paper.year,
        "venue": paper.venue or None,
        "doi": paper.doi,
        "arxiv": paper.arxiv_id,
        "pmid": paper.pmid,
        "tags": list(note.tag_names),
        "visibility": note.visibility,
        "created": _iso(note.created),
        "modified": _iso(note.modified),
        "revision": note.revision,
        "url": f"{settings.SITE_URL}{note.get_absolute_url()}",
    }
    meta = {key: value for key, value in meta.items() if value not in (None, "")}
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n"


def _linked_body(body: str, names: dict[int, str]) -> str:
    """``{N}`` as a relative link to the file of note N, when it is one of the archive's."""

    def link(match: re.Match[str]) -> str:
        name = names.get(int(match.group(1)))
        return f"[{match.group(0)}]({name})" if name else match.group(0)

    return _REF_RE.sub(link, body)


def export_stream(user: User) -> Iterator[bytes]:
    """The archive of ``user``'s notes, piece by piece."""
    sink = _Sink()
    names = {
        pk: file_name(pk, title) for pk, title in _own_notes(user).values_list("pk", "paper__title")
    }
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for chunk in _chunks(user):
            for note in chunk:
                text = _front_matter(note, names) + _linked_body(note.body, names)
                archive.writestr(f"notes/{names[note.pk]}", text)
            yield sink.take()
        with archive.open("notes.json", "w", force_zip64=True) as out:
            yield from _write_json(out, sink, user)
        with archive.open("papers.bib", "w", force_zip64=True) as out:
            yield from _write_bibtex(out, sink, user)
    yield sink.take()


def _write_bibtex(out: Any, sink: _Sink, user: User) -> Iterator[bytes]:
    """The papers of the notes, a chunk at a time; the keys come first, from what they are
    made of (not the abstracts)."""
    papers = Paper.objects.filter(notes__in=_own_notes(user)).order_by("pk")
    keys = citations.citation_keys(
        Paper(pk=pk, title=title, authors=authors, year=year)
        for pk, title, authors, year in papers.values_list("pk", "title", "authors", "year")
    )
    ids = sorted(keys)
    for start in range(0, len(ids), CHUNK):
        chunk = Paper.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk")
        out.write("\n".join(citations.bibtex_entry(p, keys[p.pk]) for p in chunk).encode() + b"\n")
        yield sink.take()


def _write_json(out: Any, sink: _Sink, user: User) -> Iterator[bytes]:
    def put(text: str) -> None:
        out.write(text.encode())

    head = {
        "format": FORMAT,
        "version": VERSION,
        "site": settings.SITE_URL,
        "exported": _iso(timezone.now()),
        "user": {"username": user.username, "display_name": user.display_name},
    }
    put(json.dumps(head, ensure_ascii=False)[:-1] + ', "notes": [')
    first = True
    usernames: dict[int | None, str] = {user.pk: user.username, None: ""}
    for chunk in _chunks(user):
        history = Note.history.filter(id__in=[n.pk for n in chunk], history_type__in=["+", "~"])
        revisions: dict[int, list[dict[str, Any]]] = {}
        for row in history.order_by("id", "revision", "history_id").iterator():
            if row.history_user_id not in usernames:
                usernames[row.history_user_id] = (
                    User.objects.filter(pk=row.history_user_id)
                    .values_list("username", flat=True)
                    .first()
                    or ""
                )
            revisions.setdefault(row.id, []).append(
                {
                    "revision": row.revision,
                    "body": row.body,
                    "tags": list(row.tag_names),
                    "visibility": row.visibility,
                    "edit_message": row.edit_message,
                    "author": usernames[row.history_user_id],
                    "date": _iso(row.history_date),
                }
            )
        for note in chunk:
            item = {
                "number": note.pk,
                "paper": _paper_dict(note.paper),
                "tags": list(note.tag_names),
                "visibility": note.visibility,
                "created": _iso(note.created),
                "modified": _iso(note.modified),
                "revision": note.revision,
                "revisions": revisions.get(note.pk, []),
            }
            put(("" if first else ", ") + json.dumps(item, ensure_ascii=False))
            first = False
        yield sink.take()
    put("]")
    yield from _write_list(put, sink, "comments", _comments(user))
    yield from _write_list(put, sink, "votes", _votes(user))
    yield from _write_list(put, sink, "ratings", _ratings(user))
    yield from _write_list(put, sink, "follows", _follows(user))
    put("}")
    yield sink.take()


def _write_list(
    put: Any, sink: _Sink, name: str, items: Iterator[dict[str, Any]]
) -> Iterator[bytes]:
    put(f', "{name}": [')
    for n, item in enumerate(items):
        put(("" if n == 0 else ", ") + json.dumps(item, ensure_ascii=False))
        if n % 500 == 499:
            yield sink.take()
    put("]")


def _comments(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Comment.objects.filter(author=user, deleted_at__isnull=True)
        .order_by("pk")
        .values("pk", "note_id", "parent_id", "body", "created", "edited_at")
    )
    for row in rows.iterator(chunk_size=500):
        yield {
            "id": row["pk"],
            "note": row["note_id"],
            "parent": row["parent_id"],
            "body": row["body"],
            "created": _iso(row["created"]),
            "edited": _iso(row["edited_at"]),
        }


def _votes(user: User) -> Iterator[dict[str, Any]]:
    for note_id, created in (
        NoteVote.objects.filter(user=user)
        .order_by("pk")
        .values_list("note_id", "created")
        .iterator()
    ):
        yield {"note": note_id, "date": _iso(created)}


def _ratings(user: User) -> Iterator[dict[str, Any]]:
    rows = PaperRating.objects.filter(user=user).select_related("paper").order_by("pk")
    for rating in rows.iterator(chunk_size=500):
        yield {
            "paper": _paper_dict(rating.paper),
            "stars": rating.stars,
            "date": _iso(rating.modified),
        }


def _follows(user: User) -> Iterator[dict[str, Any]]:
    rows = Follow.objects.filter(user=user).select_related("followed_user", "paper").order_by("pk")
    for follow in rows.iterator(chunk_size=500):
        item: dict[str, Any] = {"date": _iso(follow.created)}
        if follow.tag:
            item["tag"] = follow.tag
        if follow.followed_user_id:
            item["user"] = follow.followed_user.username
        if follow.paper_id:
            item["paper"] = _paper_dict(follow.paper)
        yield item


# ------------------------------------------------------------------------------ import


@dataclass
class PlannedNote:
    number: int
    paper: dict[str, Any]
    revisions: list[ImportedRevision]


@dataclass
class ArchiveResult:
    title: Said | str
    outcome: str  # "created", "exists", "skipped"
    reason: Said | str = ""
    note_id: int | None = None


def _bad(where: Said, what: str, /, **args: Any) -> Refused:
    """``what`` (a message id) is wrong at ``where`` in notes.json."""
    return Refused(
        gettext_noop("notes.json is not a notes archive this site can read: %(where)s %(what)s."),
        where=where,
        what=said(what, **args),
    )


def read_json(upload: UploadedFile) -> Any:
    """The archive's ``notes.json``, parsed; ``Refused`` when it cannot be."""
    upload.seek(0)
    raw = read_member(open_zip(upload), "notes.json")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(
            gettext_noop("notes.json in the archive is not valid JSON (damaged or edited).")
        ) from None


def read_archive(upload: UploadedFile) -> tuple[str, list[PlannedNote]]:
    """The archive's origin (site and author) and its notes, checked whole; ``Refused``
    with the first problem found."""
    data = read_json(upload)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Refused(
            gettext_noop(
                "This zip is not a PaperNotes notes archive (its notes.json says otherwise)."
            )
        )
    if data.get("version") != VERSION:
        raise Refused(
            gettext_noop(
                "This archive is of version %(version)s; this site reads version %(ours)s."
            ),
            version=str(data.get("version"))[:20],
            ours=VERSION,
        )
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    origin = f"{str(user.get('username', ''))[:150]} at {str(data.get('site', ''))[:200]}"
    notes = data.get("notes")
    if not isinstance(notes, list):
        raise _bad(said(gettext_noop("it")), gettext_noop("has no list of notes"))
    planned, numbers = [], set()
    for n, item in enumerate(notes, start=1):
        where = said(gettext_noop("note %(n)s"), n=n)
        if not isinstance(item, dict):
            raise _bad(where, gettext_noop("is not an object"))
        number = item.get("number")
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or not 0 < number < 10**10
            or number in numbers
        ):
            raise _bad(where, gettext_noop("has no valid number"))
        numbers.add(number)
        planned.append(
            PlannedNote(
                number,
                paper_fields(item.get("paper"), where),
                _revisions(item.get("revisions"), where),
            )
        )
    return origin, planned


def paper_fields(value: Any, where: Said) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(where, gettext_noop("has no paper"))
    fields: dict[str, Any] = {}
    limits = {"title": 500, "authors": 2000, "venue": 300, "abstract": 20000, "url": 1000}
    for name, limit in limits.items():
        text = value.get(name) or ""
        if not isinstance(text, str) or len(text) > limit:
            raise _bad(
                where,
                gettext_noop(
                    "has a paper %(name)s that is not text of at most %(most)s characters"
                ),
                name=name,
                most=limit,
            )
        fields[name] = text.replace("\x00", "")
    fields["title"] = " ".join(fields["title"].split())
    if not fields["title"]:
        raise _bad(where, gettext_noop("has a paper without a title"))
    if fields["url"] and not fields["url"].startswith(("https://", "http://")):
        fields["url"] = ""
    year = value.get("year")
    if year is not None and (
        not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2100
    ):
        raise _bad(where, gettext_noop("has a paper year that is not a year"))
    fields["year"] = year
    for name, normalize in (
        ("doi", normalize_doi),
        ("arxiv_id", normalize_arxiv_id),
        ("pmid", normalize_pmid),
    ):
        text = value.get(name) or ""
        try:
            fields[name] = normalize(text) if isinstance(text, str) and text else ""
        except ValueError:
            raise _bad(
                where, gettext_noop("has a paper %(name)s that is not valid"), name=name
            ) from None
    return fields


def _revisions(value: Any, where: Said) -> list[ImportedRevision]:
    if not isinstance(value, list) or not value:
        raise _bad(where, gettext_noop("has no revisions"))
    revisions = []
    for n, item in enumerate(value):
        at = said(gettext_noop("%(where)s, revision %(n)s,"), where=where, n=n)
        if not isinstance(item, dict):
            raise _bad(at, gettext_noop("is not an object"))
        body, message = item.get("body"), item.get("edit_message") or ""
        if not isinstance(body, str) or len(body.encode()) > MAX_BODY_BYTES:
            raise _bad(
                at, gettext_noop("has no text, or one over %(kb)s KB"), kb=MAX_BODY_BYTES // 1024
            )
        if not isinstance(message, str) or len(message) > 300:
            raise _bad(
                at, gettext_noop("has an edit message that is not text of at most 300 characters")
            )
        tags = item.get("tags")
        if (
            not isinstance(tags, list)
            or len(tags) > MAX_TAGS
            or not all(
                isinstance(t, str)
                and len(t) <= MAX_TAG_LENGTH
                and TAG_RE.match(t)
                and t == t.lower()
                for t in tags
            )
        ):
            raise _bad(at, gettext_noop("has tags that are not tags"))
        if item.get("visibility") not in Visibility.values:
            raise _bad(at, gettext_noop("has no valid visibility"))
        date = parse_datetime(item["date"]) if isinstance(item.get("date"), str) else None
        if date is None or timezone.is_naive(date):
            raise _bad(at, gettext_noop("has no valid date"))
        revisions.append(
            ImportedRevision(
                content=NoteContent(
                    body=body.replace("\x00", ""),
                    tags=tags,
                    visibility=item["visibility"],
                    edit_message=message,
                ),
                date=date,
            )
        )
    return revisions


def find_paper(fields: dict[str, Any]) -> Paper | None:
    """The paper here with any of these identifiers, else with this title and year."""
    identifiers = {name: fields.get(name) or "" for name in ("doi", "arxiv_id", "pmid")}
    found = Paper.objects.by_identifier(**identifiers)
    if found is None:
        key = (title_key(fields["title"]), fields.get("year"))
        for candidate in Paper.objects.filter(
            Q(title=fields["title"]) | Q(title__iexact=fields["title"]), year=fields.get("year")
        ).order_by("pk"):
            if (title_key(candidate.title), candidate.year) == key:
                return candidate
    return found


def _find_paper(fields: dict[str, Any], user: User) -> Paper:
    found = find_paper(fields)
    if found is None:
        found, _ = paper_find_or_create(fields=fields, user=user)
    return found


def plan_import(planned: list[PlannedNote], *, user: User) -> list[dict[str, Any]]:
    """What becomes of each of the archive's notes, decided before any is written, so that
    references between them can be renumbered: the paper (matched or created), and either
    the note ``user`` has on it already (``exists``) or the number reserved for the new one
    (``number``)."""
    plan = []
    for item in planned:
        paper = _find_paper(item.paper, user)
        existing = (
            Note.objects.filter(paper=paper, author=user).values_list("pk", flat=True).first()
        )
        plan.append(
            {
                "paper": paper.pk,
                "title": paper.title,
                "exists": existing,
                "number": None if existing is not None else reserve_id(Note),
            }
        )
    return plan


def numbers_of(planned: list[PlannedNote], plan: list[dict[str, Any]]) -> dict[int, int]:
    """The archive's note numbers to the new notes' numbers."""
    return {
        item.number: step["number"]
        for item, step in zip(planned, plan, strict=True)
        if step["number"] is not None
    }


def import_notes(
    planned: list[PlannedNote],
    plan: list[dict[str, Any]],
    *,
    numbers: dict[int, int],
    origin: str,
    user: User,
) -> list[ArchiveResult]:
    """Write these notes of the archive (a part of it, with their part of the plan) as
    ``user``'s; a result per note. A paper the user has a note on already keeps it: the
    archive's note is reported, not written."""
    results: list[ArchiveResult] = []
    reason = f"Imported from {origin}"[:100]
    papers = Paper.objects.in_bulk([step["paper"] for step in plan])
    for item, step in zip(planned, plan, strict=True):
        result = ArchiveResult(title=step["title"], outcome="created")
        results.append(result)
        if step["exists"] is not None:
            result.outcome, result.note_id = "exists", step["exists"]
            result.reason = said(
                gettext_noop(
                    "You already have a note {%(number)s} on this paper; it was left as it is."
                ),
                number=step["exists"],
            )
            continue
        revisions = [
            ImportedRevision(
                content=NoteContent(
                    body=renumber(r.content.body, numbers),
                    tags=r.content.tags,
                    visibility=r.content.visibility,
                    edit_message=r.content.edit_message,
                ),
                date=r.date,
            )
            for r in item.revisions
        ]
        try:
            note = note_import(
                pk=step["number"],
                paper=papers[step["paper"]],
                author=user,
                revisions=revisions,
                reason=reason,
            )
        except TooComplexToRender as refused:
            result.outcome, result.reason = "skipped", refused.said
            continue
        except EditConflict as conflict:
            result.outcome, result.note_id = "exists", conflict.head.pk
            result.reason = said(
                gettext_noop("You already have a note on this paper; it was left as it is.")
            )
            continue
        result.note_id = note.pk
    return results


def renumber(body: str, numbers: dict[int, int]) -> str:
    return _REF_RE.sub(
        lambda m: f"{{{numbers[int(m.group(1))]}}}" if int(m.group(1)) in numbers else m.group(0),
        body,
    )


def link_imported(numbers: dict[int, int]) -> None:
    """Render again the imported notes that cite others of the archive: links to notes
    imported after the note that cites them. Doing it twice changes nothing."""
    new = set(numbers.values())
    for note in Note.objects.filter(pk__in=new).select_related("author"):
        if any(int(n) in new for n in _REF_RE.findall(note.body)):
            note_render_again(note=note)
