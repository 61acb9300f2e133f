"""Papers as citations: stable keys, BibTeX and CSL-JSON.

Keys are ``<first author's family name><year><first word of the title>``, lower-case
ASCII (``vaswani2017attention``), with ``a``, ``b``, … appended, in order of the papers'
ids, when several papers of one export share a key. Text stays UTF-8; only the characters
BibTeX itself gives a meaning to are escaped, so the output reads back through
``bibtex_import`` to the same details.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from typing import Any

from notes.models import Paper

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "on",
        "of",
        "in",
        "for",
        "and",
        "to",
        "with",
        "from",
        "by",
        "at",
        "is",
        "are",
        "as",
        "via",
        "towards",
        "toward",
    ]
)
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": "{^}",
}
_ESCAPE_RE = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c in string.ascii_lowercase + string.digits)


def family_name(author: str) -> str:
    """The family name of "Given Family" (the form papers keep): the last word."""
    words = author.split()
    return words[-1] if words else ""


def base_key(paper: Paper) -> str:
    authors = paper.author_list
    family = _ascii_word(family_name(authors[0])) if authors else ""
    words = [_ascii_word(w) for w in paper.title.split()]
    first = next((w for w in words if w and w not in _STOP_WORDS), "")
    return f"{family or 'anon'}{paper.year or ''}{first}"


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """A key for each paper, unique within ``papers``; the same papers get the same keys."""
    by_key: dict[str, list[int]] = {}
    for paper in sorted(papers, key=lambda p: p.pk):
        by_key.setdefault(base_key(paper), []).append(paper.pk)
    keys = {}
    for key, pks in by_key.items():
        if len(pks) == 1:
            keys[pks[0]] = key
            continue
        for i, pk in enumerate(pks):
            keys[pk] = key + _suffix(i)
    return keys


def _suffix(i: int) -> str:
    letters = string.ascii_lowercase
    return letters[i] if i < 26 else _suffix(i // 26 - 1) + letters[i % 26]


# TeX ligatures: "--" is a dash, "''" a closing quote, "?`" an inverted question mark.
_LIGATURE_RE = re.compile(r"(?<=[-'`?!])(?=[-'`])")


def escape(value: str) -> str:
    escaped = _ESCAPE_RE.sub(lambda m: _BIBTEX_ESCAPES[m.group(0)], " ".join(value.split()))
    return _LIGATURE_RE.sub("{}", escaped)


def _author_field(paper: Paper) -> str:
    # A name holding the word "and" is braced, so that it stays one name.
    names = [
        f"{{{escape(n)}}}" if re.search(r"\band\b", n, re.IGNORECASE) else escape(n)
        for n in paper.author_list
    ]
    return " and ".join(names)


def bibtex_entry(paper: Paper, key: str) -> str:
    fields: list[tuple[str, str]] = [("title", escape(paper.title))]
    if paper.authors:
        fields.append(("author", _author_field(paper)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.venue:
        fields.append(("journal", escape(paper.venue)))
    if paper.doi:
        fields.append(("doi", escape(paper.doi)))
    if paper.arxiv_id:
        fields += [("eprint", escape(paper.arxiv_id)), ("archiveprefix", "arXiv")]
    if paper.pmid:
        fields.append(("pmid", paper.pmid))
    if paper.url:
        fields.append(("url", escape(paper.url)))
    if paper.abstract:
        fields.append(("abstract", escape(paper.abstract)))
    kind = "article" if paper.venue else "misc"
    lines = [f"@{kind}{{{key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields]
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_bibtex(papers: list[Paper]) -> str:
    keys = citation_keys(papers)
    return "\n".join(bibtex_entry(paper, keys[paper.pk]) for paper in papers)


def csl_item(paper: Paper, key: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": key,
        "type": "article-journal" if paper.venue else "article",
        "title": paper.title,
    }
    if paper.authors:
        item["author"] = [_csl_name(name) for name in paper.author_list]
    if paper.year:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.pmid:
        item["PMID"] = paper.pmid
    if paper.arxiv_id:
        item["archive"] = "arXiv"
        item["archive_location"] = paper.arxiv_id
    if paper.url or paper.arxiv_url or paper.doi_url:
        item["URL"] = paper.url or paper.doi_url or paper.arxiv_url
    if paper.abstract:
        item["abstract"] = paper.abstract
    return item


def _csl_name(name: str) -> dict[str, str]:
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def to_csl_json(papers: list[Paper]) -> list[dict[str, Any]]:
    keys = citation_keys(papers)
    return [csl_item(paper, keys[paper.pk]) for paper in papers]
