"""Writes of papers: adding one (with the identifier clash and the add-or-find race
settled here), editing and refreshing its details, and the imports' bulk adds."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from accounts.models import User
from notes.models import Note, Paper
from notes.selectors import search
from papernotes.db import retrying

IDENTIFIER_FIELDS = ("doi", "arxiv_id", "pmid")


class PaperExists(Exception):
    """Another paper carries one of this paper's identifiers: ``paper`` is that one, and
    ``fields`` the identifiers the two share."""

    def __init__(self, paper: Paper, fields: list[str]) -> None:
        super().__init__(f"paper {paper.pk} has the same {', '.join(fields)}")
        self.paper = paper
        self.fields = fields


def _same_identifiers(paper: Paper) -> PaperExists | None:
    found = Paper.objects.by_identifier(
        doi=paper.doi or "", arxiv_id=paper.arxiv_id or "", pmid=paper.pmid or ""
    )
    if found is None or found.pk == paper.pk:
        return None
    shared = [
        f for f in IDENTIFIER_FIELDS if getattr(paper, f) and getattr(paper, f) == getattr(found, f)
    ]
    return PaperExists(found, shared)


def paper_add(*, paper: Paper, user: User) -> Paper:
    """Add ``paper``, created by ``user``, unless a paper with any of its identifiers is
    here already: then raises ``PaperExists`` with it, whether it was found first or added
    by someone else while this one was being written."""
    if clash := _same_identifiers(paper):
        raise clash
    paper.created_by = user
    paper._history_user = user  # type: ignore[attr-defined]

    def add() -> Paper:
        # Inserted afresh on every attempt (an attempt rolled back leaves its id).
        paper.pk, paper._state.adding = None, True
        paper.save()
        return paper

    try:
        return retrying(add)
    except IntegrityError:
        if clash := _same_identifiers(paper):
            raise clash from None
        raise


def paper_save(*, paper: Paper, user: User) -> Paper:
    """Save a paper's details; its notes' search data and sort keys follow. Raises
    ``PaperExists`` when another paper has one of the identifiers it is given."""
    if clash := _same_identifiers(paper):
        raise clash

    def save() -> Paper:
        paper._history_user = user  # type: ignore[attr-defined]
        paper.save()
        # The notes in id order, so that two writers of several notes never wait in a ring.
        note_ids = list(
            Note.objects.filter(paper_id=paper.pk)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        if note_ids:
            search.refresh(note_ids=note_ids)
        return paper

    try:
        return retrying(save)
    except IntegrityError:
        # Another writer gave the same identifier to another paper meanwhile.
        if clash := _same_identifiers(paper):
            raise clash from None
        raise


# Rendering happens before the transaction: it can take a while for a long text and
# needs no lock. Raises TooComplexToRender before anything is written.


PAPER_DETAIL_FIELDS = ("title", "authors", "year", "venue", "abstract", "url")
PAPER_IDENTIFIER_FIELDS = IDENTIFIER_FIELDS


def paper_refresh(*, paper: Paper, details: dict[str, object], user: User) -> list[str]:
    """Update ``paper`` with what its source says now, as a new revision of its details;
    the names of the fields that changed (nothing is saved when none did).

    Details the source leaves empty keep what the paper has; an identifier is added only
    where the paper has none and no other paper holds it.
    """
    changed = []
    for name in PAPER_DETAIL_FIELDS:
        value = details.get(name)
        if value not in (None, "") and getattr(paper, name) != value:
            setattr(paper, name, value)
            changed.append(name)
    for name in PAPER_IDENTIFIER_FIELDS:
        value = details.get(name)
        if (
            value
            and not getattr(paper, name)
            and not Paper.objects.filter(**{name: value}).exclude(pk=paper.pk).exists()
        ):
            setattr(paper, name, value)
            changed.append(name)
    if changed:
        paper._change_reason = "Refreshed from source"  # type: ignore[attr-defined]
        paper_save(paper=paper, user=user)
    return changed


def paper_find_or_create(*, fields: dict[str, object], user: User) -> tuple[Paper, bool]:
    """The paper with any of these identifiers, else a new one; and whether it is new.

    For imports: ``fields`` are the paper's details and identifiers, already normalised and
    within the model's sizes; what they leave out is empty. ``paper_add_or_find`` does the
    rest.
    """
    details = {f: fields.get(f) or "" for f in PAPER_DETAIL_FIELDS if f != "year"}
    identifiers = {f: fields.get(f) for f in PAPER_IDENTIFIER_FIELDS}
    return paper_add_or_find(
        user=user, fields={**details, "year": fields.get("year"), **identifiers}
    )


def papers_create(*, fields: list[dict[str, object]], user: User) -> list[tuple[Paper, bool]]:
    """Many new papers at once (an import), with their first history rows; each with
    whether it is new. ``fields`` are normalised and within the model's sizes, and carry no
    identifier another paper has. When someone added one of them meanwhile (a unique
    identifier clashes), they are taken one by one, the clashing ones matched instead."""
    from simple_history.utils import bulk_create_with_history

    if not fields:
        return []
    papers = [
        Paper(
            created_by=user,
            **{f: row.get(f) or "" for f in PAPER_DETAIL_FIELDS if f != "year"},
            year=row.get("year"),
            **{f: (row.get(f) or None) for f in PAPER_IDENTIFIER_FIELDS},
        )
        for row in fields
    ]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(papers, Paper, default_user=user)
    except IntegrityError:
        return [paper_find_or_create(fields=row, user=user) for row in fields]
    return [(paper, True) for paper in created]


# What to enter when an identifier is not one (the normaliser's own words, in English).
IDENTIFIER_HELP = {
    "doi": gettext_lazy("Enter a DOI such as 10.1000/xyz123 (or its https://doi.org/ link)."),
    "arxiv_id": gettext_lazy("Enter an arXiv id such as 1707.03389 or hep-th/9901001."),
    "pmid": gettext_lazy("Enter a PubMed id: digits only, such as 31942076."),
}


def normalized_identifier(name: str, value: str) -> str:
    """A paper identifier (``doi``, ``arxiv_id`` or ``pmid``) in its stored form; raises
    ``ValueError`` with a message fit to show (in the active language) when it is not one."""
    from notes.markup import identifiers

    normalize = {
        "doi": identifiers.normalize_doi,
        "arxiv_id": identifiers.normalize_arxiv_id,
        "pmid": identifiers.normalize_pmid,
    }[name]
    try:
        return normalize(value)
    except ValueError:
        raise ValueError(str(IDENTIFIER_HELP[name])) from None


def paper_add_or_find(*, user: User, fields: dict[str, object]) -> tuple[Paper, bool]:
    """Add a paper with ``fields`` (identifiers already normalised), or find the one that
    already carries any of its identifiers; returns it and whether it was added."""
    identifiers = {name: fields.get(name) or None for name in IDENTIFIER_FIELDS}
    try:
        return paper_add(paper=Paper(**{**fields, **identifiers}), user=user), True
    except PaperExists as exists:
        return exists.paper, False
