"""What kind of identifier someone pasted, normalised: the first field of "add a paper"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from notes.markup.identifiers import normalize_arxiv_id, normalize_doi, normalize_pmid

ARXIV, DOI, PMID, PMCID = "arxiv_id", "doi", "pmid", "pmcid"

_PMCID_RE = re.compile(
    r"^(?:https?://(?:www\.ncbi\.nlm\.nih\.gov/pmc|pmc\.ncbi\.nlm\.nih\.gov)/articles/"
    r"|pmcid:\s*)?(PMC[0-9]{1,10})/?$",
    re.IGNORECASE | re.ASCII,
)
_LOOKS_LIKE_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:|10\.)", re.IGNORECASE)
_LOOKS_LIKE_ARXIV = re.compile(r"^(?:https?://(?:www\.)?arxiv\.org/|arxiv:)", re.IGNORECASE)
_LOOKS_LIKE_PUBMED = re.compile(
    r"^(?:https?://(?:pubmed\.ncbi\.nlm\.nih\.gov|www\.ncbi\.nlm\.nih\.gov/pubmed)/|pmid)",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^[0-9]+$")

MAX_LENGTH = 300
HELP = gettext_lazy(
    "Enter an arXiv id or link (2106.01345), a DOI or doi.org link (10.1000/xyz123), "
    "a PubMed id or link (31942076) or a PMCID (PMC7096066)."
)


@dataclass(frozen=True)
class Identifier:
    kind: str  # ARXIV, DOI, PMID or PMCID
    value: str  # normalised

    @property
    def field(self) -> str:
        """The paper form's field for it (a PMCID has none: it is looked up as its PMID)."""
        return self.kind if self.kind != PMCID else ""


def parse(text: str) -> Identifier:
    """The identifier in ``text``; ``ValueError`` with a message for the user if none."""
    raw = " ".join(text.split())
    if not raw or len(raw) > MAX_LENGTH:
        raise ValueError(str(HELP))
    if match := _PMCID_RE.match(raw):
        return Identifier(PMCID, match.group(1).upper())
    if _LOOKS_LIKE_DOI.match(raw):
        return Identifier(DOI, normalize_doi(raw))
    if _LOOKS_LIKE_ARXIV.match(raw):
        return Identifier(ARXIV, normalize_arxiv_id(raw))
    if _LOOKS_LIKE_PUBMED.match(raw) or _DIGITS.match(raw):
        return Identifier(PMID, normalize_pmid(raw))
    try:
        return Identifier(ARXIV, normalize_arxiv_id(raw))
    except ValueError:
        raise ValueError(str(HELP)) from None
