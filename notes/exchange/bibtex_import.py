"""Importing a BibTeX library (a Zotero, Mendeley or JabRef export) as papers and notes.

``parse_library`` reads the whole file first (bibtexparser 2, LaTeX accents decoded,
``@string`` macros and ``crossref`` parents resolved) into ``Entry`` rows, each with the
reason it cannot be imported if it cannot. ``import_batch`` then takes them a batch at a
time, each in its own transaction (``notes.exchange.imports`` runs them as a job): a
paper is matched by any identifier, else by its title and year, else created; with the
chosen notes option the user gets a private note per paper, its text from the entry's
``annote``/``note`` and its tags from ``keywords``. A paper the user already has a note
on keeps it untouched, so importing a file again creates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.library import Library
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import Block
from bibtexparser.model import Entry as BibEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import User
from notes.exchange.uploads import Refused
from notes.markup.identifiers import normalize_arxiv_id, normalize_doi, normalize_pmid
from notes.models import MAX_BODY_BYTES, Note, Paper, Visibility
from notes.services import EditConflict, NoteContent, TooComplexToRender, papers_create
from notes.services.bulk import NewNote, notes_create
from notes.tag_rules import MAX_TAG_LENGTH, MAX_TAGS, TAG_RE
from notes.wording import Said, said

CREATED, MATCHED, SKIPPED = "created", "matched", "skipped"
NOTES_NONE, NOTES_FROM_ENTRY, NOTES_ALWAYS = "none", "from-entry", "always"
NOTES_CHOICES = (
    (
        NOTES_FROM_ENTRY,
        gettext_lazy("A private note from the entry's annote or note field, when it has one"),
    ),
    (
        NOTES_ALWAYS,
        gettext_lazy("A private note on every paper (empty when the entry has no annote or note)"),
    ),
    (NOTES_NONE, gettext_lazy("No notes: papers only")),
)
BATCH = 500

_YEAR_RE = re.compile(r"\b(1[0-9]{3}|20[0-9]{2}|2100)\b")
_TITLE_KEY_RE = re.compile(r"[\W_]+")
_url_ok = URLValidator(schemes=["http", "https"])


@dataclass
class Entry:
    """One entry of the file, as a paper's fields and what to add for the user."""

    key: str
    line: int
    fields: dict[str, object] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    note_body: str = ""
    problems: list[Said] = field(default_factory=list)  # what was left out, said to the user
    skip: Said | None = None  # why the entry is not imported at all


@dataclass
class Result:
    key: str
    title: str
    outcome: str
    reason: list[Said] = field(default_factory=list)
    paper_id: int | None = None
    note_id: int | None = None


# What LaTeX gives a meaning to: commands, groups, math, active and special characters,
# and the ligatures of dashes, quotes and inverted marks.
_LATEX_RE = re.compile(r"[\\{}$~%^_&#]|--|''|``|[?!]`")


class _LatexDecoding(middlewares.LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, also of the names ``SeparateCoAuthors`` leaves as a
    list (which the middleware itself passes over): each name is split into its parts
    first ("Müller, Jürgen" → "Jürgen Müller"), so that a braced "{Barnes and Noble}"
    stays one name, and a name that cannot be split is kept whole rather than failing
    the entry."""

    def __init__(self) -> None:
        super().__init__()
        self._decoded: dict[str, tuple[str, str]] = {}

    def transform_entry(self, entry: BibEntry, library: Library) -> Block:
        errors: list[str] = []
        for bib_field in entry.fields:
            if isinstance(bib_field.value, list):
                bib_field.value = [self._name(raw, errors) for raw in bib_field.value]
        return super().transform_entry(entry, library)

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        # Most text has nothing for LaTeX to decode, and the decoder takes milliseconds
        # even then: a 5,000-entry library would spend most of its import here.
        if not _LATEX_RE.search(python_string):
            return python_string, ""
        # Names and venues come back again and again in a library.
        if (known := self._decoded.get(python_string)) is not None:
            return known
        decoded = super()._transform_python_value_string(python_string)
        if len(self._decoded) < 50_000:
            self._decoded[python_string] = decoded
        return decoded

    def _name(self, raw: object, errors: list[str]) -> str:
        try:
            person = parse_single_name_into_parts(str(raw))
        except ValueError:
            return " ".join(self._transform_all_strings([str(raw)], errors))
        parts = [*person.first, *person.von, *person.last, *person.jr]
        return " ".join(self._transform_all_strings(parts, errors))


def title_key(title: str) -> str:
    return _TITLE_KEY_RE.sub("", title.lower())


# ---------------------------------------------------------------------------- reading


def parse_library(text: str) -> tuple[list[Entry], list[Result]]:
    """The file's entries, and a result for each block that could not be parsed."""
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.NormalizeFieldKeys(),
            # Names are split before decoding, so that a braced "{Barnes and Noble}" stays
            # one name.
            middlewares.SeparateCoAuthors(),
            _LatexDecoding(),
        ],
    )
    broken = [
        Result(
            key=_block_key(block.raw),
            title="",
            outcome=SKIPPED,
            reason=[
                said(
                    gettext_noop("Line %(line)s: not valid BibTeX (%(why)s)."),
                    line=block.start_line + 1,
                    why=_reason(block.error),
                )
            ],
        )
        for block in library.failed_blocks
    ]
    if not library.entries and not broken:
        raise Refused(
            gettext_noop(
                "No BibTeX entries were found in this file. Upload a .bib file exported "
                "from Zotero, Mendeley, JabRef or another reference manager."
            )
        )
    if len(library.entries) > settings.IMPORT_MAX_ENTRIES:
        raise Refused(
            gettext_noop(
                "The file holds %(count)s entries; an import takes at most %(most)s. "
                "Split it into smaller files."
            ),
            count=len(library.entries),
            most=settings.IMPORT_MAX_ENTRIES,
        )
    by_key = {entry.key.lower(): entry for entry in library.entries}
    return [_entry(bib, by_key) for bib in library.entries], broken


def _reason(error: object) -> str:
    text = str(getattr(error, "abort_reason", "") or error or "")
    return " ".join(text.split())[:200] or "unreadable"


def _block_key(raw: str) -> str:
    match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]{1,100})", raw or "")
    return match.group(1) if match else ""


def _value(bib: BibEntry, name: str, parent: BibEntry | None) -> object:
    for source in (bib, parent):
        if source is not None and name in source.fields_dict:
            return source.fields_dict[name].value
    return None


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _names(value: object) -> list[str]:
    """The names of a person field, each without commas (they separate names here)."""
    if value is None:
        return []
    names = value if isinstance(value, list) else [value]
    return [name for name in (" ".join(str(n).replace(",", " ").split()) for n in names) if name]


def _entry(bib: BibEntry, by_key: dict[str, BibEntry]) -> Entry:
    parent_key = (
        _text(bib.fields_dict["crossref"].value).lower() if "crossref" in bib.fields_dict else ""
    )
    parent = by_key.get(parent_key) if parent_key else None
    entry = Entry(key=bib.key, line=bib.start_line + 1)
    get = lambda name: _value(bib, name, parent)  # noqa: E731
    title = _text(get("title"))
    if not title:
        entry.skip = said(gettext_noop("It has no title."))
        return entry
    if len(title) > 500:
        entry.skip = said(gettext_noop("Its title is longer than 500 characters."))
        return entry
    fields: dict[str, object] = {"title": title}
    authors = _names(get("author")) or _names(get("editor"))
    kept: list[str] = []
    for name in authors:
        if len(", ".join([*kept, name])) > 2000:
            entry.problems.append(
                said(
                    gettext_noop("Authors after the first %(count)s left out (too long)."),
                    count=len(kept),
                )
            )
            break
        kept.append(name)
    fields["authors"] = ", ".join(kept)
    year = _YEAR_RE.search(_text(get("year")) or _text(get("date")))
    fields["year"] = int(year.group(1)) if year else None
    venue = _text(get("journal") or get("journaltitle") or get("booktitle"))
    if not venue and parent is not None:
        venue = _text(parent.fields_dict["title"].value) if "title" in parent.fields_dict else ""
    fields["venue"] = venue or _text(get("publisher"))
    if len(fields["venue"]) > 300:
        fields["venue"] = fields["venue"][:300]
        entry.problems.append(said(gettext_noop("Venue cut to 300 characters.")))
    abstract = str(get("abstract") or "").strip()
    if len(abstract) > 20000:
        abstract = abstract[:20000]
        entry.problems.append(said(gettext_noop("Abstract cut to 20,000 characters.")))
    fields["abstract"] = abstract
    url = _text(get("url"))
    try:
        if url:
            _url_ok(url)
        fields["url"] = url if len(url) <= 1000 else ""
    except ValidationError:
        fields["url"] = ""
        entry.problems.append(said(gettext_noop("URL left out (not an http or https link).")))
    fields["doi"] = _identifier(entry, "DOI", normalize_doi, _text(get("doi")))
    eprint = _text(get("eprint"))
    prefix = _text(get("archiveprefix") or get("eprinttype")).lower()
    arxiv = _text(get("arxiv")) or (eprint if prefix in ("", "arxiv") else "")
    if not arxiv and "arxiv.org/" in url:
        arxiv = url
    fields["arxiv_id"] = _identifier(
        entry,
        "arXiv id",
        normalize_arxiv_id,
        arxiv,
        quiet=not prefix and not _text(get("arxiv")) and arxiv == eprint,
    )
    fields["pmid"] = _identifier(entry, "PMID", normalize_pmid, _text(get("pmid")))
    entry.fields = fields
    entry.tags = _tags(entry, _text(get("keywords")))
    note = "\n\n".join(
        str(bib.fields_dict[name].value).strip()
        for name in ("annote", "note")
        if name in bib.fields_dict and str(bib.fields_dict[name].value).strip()
    ).replace("\x00", "")
    if len(note.encode()) > MAX_BODY_BYTES:
        entry.problems.append(
            said(gettext_noop("Note left out: longer than %(kb)s KB."), kb=MAX_BODY_BYTES // 1024)
        )
        note = ""
    entry.note_body = note
    return entry


_NOT_VALID = {
    "DOI": gettext_noop("DOI “%(value)s” left out (not a valid DOI)."),
    "arXiv id": gettext_noop("arXiv id “%(value)s” left out (not a valid arXiv id)."),
    "PMID": gettext_noop("PMID “%(value)s” left out (not a valid PMID)."),
}
_HAVE_NOTE = said(gettext_noop("You already have a note on this paper; it was left as it is."))


def _identifier(
    entry: Entry, label: str, normalize: Callable[[str], str], value: str, *, quiet: bool = False
) -> str:
    if not value:
        return ""
    try:
        return normalize(value)
    except ValueError:
        if not quiet:
            entry.problems.append(said(_NOT_VALID[label], value=value[:60]))
        return ""


def _tags(entry: Entry, keywords: str) -> list[str]:
    tags, bad = [], []
    for word in re.split(r"[,;]", keywords):
        tag = "-".join(word.strip().lstrip("#").lower().split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH or not TAG_RE.match(tag):
            bad.append(tag[:60])
        elif tag not in tags:
            tags.append(tag)
    if bad:
        entry.problems.append(
            said(
                gettext_noop("Keywords not usable as tags left out: %(tags)s."),
                tags=", ".join(bad[:5]),
            )
        )
    if len(tags) > MAX_TAGS:
        entry.problems.append(
            said(gettext_noop("Keywords after the first %(most)s left out."), most=MAX_TAGS)
        )
        tags = tags[:MAX_TAGS]
    return sorted(tags)


# ---------------------------------------------------------------------------- writing


def import_batch(batch: list[Entry], *, user: User, notes: str) -> list[Result]:
    """Import ``batch`` (at most ``BATCH`` entries), in the caller's transaction; a result
    per entry. Papers are matched against what the database holds, so a batch done again
    (an import job retried) matches what it created the first time."""
    return _import_batch(batch, user=user, notes=notes, seen={})


def _keys_of(fields: dict[str, object]) -> list[str]:
    keys = [f"{name}:{fields[name]}" for name in ("doi", "arxiv_id", "pmid") if fields.get(name)]
    keys.append(f"title:{title_key(str(fields['title']))}:{fields.get('year')}")
    return keys


def _import_batch(
    batch: list[Entry], *, user: User, notes: str, seen: dict[str, Paper]
) -> list[Result]:
    results: dict[int, Result] = {}
    live = [(i, e) for i, e in enumerate(batch) if not e.skip]
    for i, entry in enumerate(batch):
        if entry.skip:
            results[i] = Result(entry.key, "", SKIPPED, [entry.skip])
    existing = _existing_papers([e for _, e in live])
    for paper in existing:
        for key in _keys_of(paper.__dict__):
            seen.setdefault(key, paper)
    papers: dict[int, Paper] = {}
    new: list[tuple[int, Entry]] = []
    for i, entry in live:
        found = next((seen[k] for k in _keys_of(entry.fields) if k in seen), None)
        if found is not None:
            papers[i] = found
            results[i] = Result(entry.key, entry.fields["title"], MATCHED, paper_id=found.pk)  # type: ignore[arg-type]
        else:
            new.append((i, entry))
    # Entries met twice in this batch: the first is created, the others match it.
    first_of: dict[str, int] = {}
    to_create: list[tuple[int, Entry]] = []
    duplicates: list[tuple[int, Entry, int]] = []
    for i, entry in new:
        twin = next((first_of[k] for k in _keys_of(entry.fields) if k in first_of), None)
        if twin is None:
            to_create.append((i, entry))
            for key in _keys_of(entry.fields):
                first_of.setdefault(key, i)
        else:
            duplicates.append((i, entry, twin))
    created = papers_create(fields=[entry.fields for _, entry in to_create], user=user)
    for (i, entry), (paper, is_new) in zip(to_create, created, strict=True):
        papers[i] = paper
        results[i] = Result(
            entry.key, entry.fields["title"], CREATED if is_new else MATCHED, paper_id=paper.pk
        )  # type: ignore[arg-type]
        for key in _keys_of(entry.fields):
            seen[key] = paper
    for i, entry, twin in duplicates:
        papers[i] = papers[twin]
        results[i] = Result(
            entry.key,
            entry.fields["title"],
            MATCHED,
            [said(gettext_noop("Same paper as an earlier entry of the file."))],
            paper_id=papers[twin].pk,  # type: ignore[arg-type]
        )
    _add_notes(batch, live, papers, results, user=user, notes=notes)
    for i, entry in live:
        results[i].reason += entry.problems
    return [results[i] for i in range(len(batch))]


def _existing_papers(entries: list[Entry]) -> list[Paper]:
    if not entries:
        return []
    match = Q(pk__in=[])
    for name in ("doi", "arxiv_id", "pmid"):
        values = {e.fields[name] for e in entries if e.fields.get(name)}
        if values:
            match |= Q(**{f"{name}__in": values})
    titles = {str(e.fields["title"]) for e in entries}
    match |= Q(title__in=titles) | Q(lower_title__in={t.lower() for t in titles})
    return list(
        Paper.objects.annotate(lower_title=Lower("title"))
        .filter(match)
        .only("title", "year", "doi", "arxiv_id", "pmid")
        .order_by("pk")
    )


def _add_notes(
    batch: list[Entry],
    live: list[tuple[int, Entry]],
    papers: dict[int, Paper],
    results: dict[int, Result],
    *,
    user: User,
    notes: str,
) -> None:
    if notes == NOTES_NONE:
        return
    wanted = [(i, e) for i, e in live if notes == NOTES_ALWAYS or e.note_body]
    if not wanted:
        return
    have = set(
        Note.objects.filter(
            author=user, paper_id__in={papers[i].pk for i, _ in wanted}
        ).values_list("paper_id", flat=True)
    )
    todo = []
    for i, entry in wanted:
        if papers[i].pk in have:
            results[i].reason.append(_HAVE_NOTE)
        elif all(papers[i].pk != papers[j].pk for j, _ in todo):
            todo.append((i, entry))
    content = [
        NewNote(
            papers[i],
            NoteContent(
                body=entry.note_body,
                tags=entry.tags,
                visibility=Visibility.PRIVATE,
                edit_message="Imported from BibTeX",
            ),
        )
        for i, entry in todo
    ]
    for (i, _), outcome in zip(todo, notes_create(author=user, new=content), strict=True):
        if isinstance(outcome, TooComplexToRender):
            results[i].reason.append(
                said(gettext_noop("Note not added: %(why)s"), why=outcome.said)
            )
        elif isinstance(outcome, EditConflict):
            results[i].reason.append(_HAVE_NOTE)
        else:
            results[i].note_id = outcome.pk
            results[i].reason.append(
                said(gettext_noop("Private note {%(number)s} added."), number=outcome.pk)
            )
