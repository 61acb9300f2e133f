"""Normalising paper identifiers (DOI, arXiv id, PMID) so one paper is found again.

Each function takes what a person pastes (a bare id, a prefixed id or a URL) and returns
the canonical form, or raises ``ValueError`` with a message fit to show next to the field.
"""

from __future__ import annotations

import re

# Digits are [0-9], never \d: in Python that also takes Arabic-Indic, fullwidth and other
# digits, which made "PMID ٣١٩٤٢٠٧٦" a second paper beside PMID 31942076, with a broken link.
DOI_RE = re.compile(r"^10\.[0-9]+(?:\.[0-9]+)*/\S+$")
ARXIV_NEW_RE = re.compile(r"^([0-9]{4}\.[0-9]{4,5})(?:v[0-9]+)?$")
ARXIV_OLD_RE = re.compile(
    r"^([a-z][a-z-]*(?:\.[a-z]{2})?/[0-9]{7})(?:v[0-9]+)?$",
    # ASCII: ignoring case, [a-z] would also take the Kelvin sign and the dotless ı.
    re.IGNORECASE | re.ASCII,
)
PMID_RE = re.compile(r"^[0-9]{1,10}$")

_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_PREFIXES = re.compile(
    r"^(?:https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)", re.IGNORECASE
)
_PMID_PREFIXES = re.compile(
    r"^(?:https?://(?:pubmed\.ncbi\.nlm\.nih\.gov|www\.ncbi\.nlm\.nih\.gov/pubmed)/"
    r"|pmid[-:\s]\s*)",
    re.IGNORECASE,
)


def normalize_doi(value: str) -> str:
    """``https://doi.org/10.1/ABC`` → ``10.1/abc`` (DOIs are case-insensitive)."""
    doi = _DOI_PREFIXES.sub("", value.strip()).strip().rstrip(".").lower()
    if not DOI_RE.match(doi):
        raise ValueError("Enter a DOI such as 10.1000/xyz123 (or its https://doi.org/ link).")
    return doi


def normalize_arxiv_id(value: str) -> str:
    """``arXiv:1707.03389v3`` → ``1707.03389``; old ids keep their archive: ``hep-th/9901001``."""
    raw = _ARXIV_PREFIXES.sub("", value.strip()).strip()
    raw = raw.removesuffix(".pdf").rstrip("/")
    if match := ARXIV_NEW_RE.match(raw):
        return match.group(1)
    if match := ARXIV_OLD_RE.match(raw):
        return match.group(1).lower()
    raise ValueError("Enter an arXiv id such as 1707.03389 or hep-th/9901001.")


def normalize_pmid(value: str) -> str:
    """``PMID-31942076`` → ``31942076``."""
    raw = _PMID_PREFIXES.sub("", value.strip()).strip().rstrip("/")
    if not PMID_RE.match(raw) or int(raw) == 0:
        raise ValueError("Enter a PubMed id: digits only, such as 31942076.")
    return raw.lstrip("0")
