"""Each source's API: the request for one identifier and the reading of its answer.

Every reader takes the body as the source sent it and returns ``PaperDetails`` or raises
``NotFound`` (the source does not know the identifier) or ``SourceUnavailable`` (the body
is not what the source sends: an HTML error page, truncated XML, JSON of another shape).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext_noop

from notes.lookup import fetching
from notes.lookup.details import NotFound, PaperDetails, SourceUnavailable
from notes.markup.identifiers import normalize_doi, normalize_pmid

ARXIV, CROSSREF, DATACITE, PUBMED = "arXiv", "Crossref", "DataCite", "PubMed"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_NS = "{http://arxiv.org/schemas/atom}"
_YEAR_RE = re.compile(r"(1[0-9]{3}|20[0-9]{2}|2100)")
# Field sizes of the paper model: longer text from a source is cut, not refused.
_LIMITS = {"title": 500, "venue": 300, "abstract": 20000, "url": 1000, "authors": 2000}


def _malformed(source: str) -> SourceUnavailable:
    return SourceUnavailable(
        gettext_noop(
            "%(source)s sent an answer that could not be read. "
            "Try again later, or enter the details by hand."
        ),
        source=source,
    )


def _text(value: object) -> str:
    """One line of plain text: markup (JATS, MathML) dropped, entities decoded."""
    return " ".join(html.unescape(strip_tags(str(value or ""))).split())


def _year(value: object) -> int | None:
    match = _YEAR_RE.search(str(value or ""))
    return int(match.group(1)) if match else None


def _optional(normalize: Any, value: object) -> str:
    try:
        return normalize(str(value)) if value else ""
    except ValueError:
        return ""


def _details(source: str, **fields: Any) -> PaperDetails:
    title = _text(fields.pop("title", ""))[: _LIMITS["title"]]
    if not title:
        raise _malformed(source)
    authors: list[str] = []
    used = 0
    for name in fields.pop("authors", []):
        # Commas separate authors in the paper's field, so a name keeps none.
        name = _text(name).replace(",", "")
        if name and used + len(name) + 2 <= _LIMITS["authors"]:
            authors.append(name)
            used += len(name) + 2
    url = str(fields.pop("url", "") or "")
    return PaperDetails(
        source=source,
        title=title,
        authors=authors,
        venue=_text(fields.pop("venue", ""))[: _LIMITS["venue"]],
        abstract=_text(fields.pop("abstract", ""))[: _LIMITS["abstract"]],
        url=url if url.startswith(("https://", "http://")) and len(url) <= 1000 else "",
        **fields,
    )


def _xml(body: bytes, source: str) -> ET.Element:
    if b"<!ENTITY" in body:  # no source declares entities; whoever does is up to no good
        raise _malformed(source)
    try:
        # The standard library's parser: expat (2.4.1 and later) refuses entity expansion
        # attacks, no external entity or DTD is fetched, and declarations are refused above.
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        raise _malformed(source) from None


def _json(body: bytes, source: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _malformed(source) from None
    if not isinstance(data, dict):
        raise _malformed(source)
    return data


# ------------------------------------------------------------------------------- arXiv


def arxiv(arxiv_id: str) -> PaperDetails:
    body = fetching.get(settings.LOOKUP_ARXIV_URL, source=ARXIV, params={"id_list": arxiv_id})
    return read_arxiv(body, arxiv_id)


def read_arxiv(body: bytes, arxiv_id: str) -> PaperDetails:
    """arXiv's Atom feed: one ``entry``, or none (or an "Error" entry) for an unknown id."""
    feed = _xml(body, ARXIV)
    if feed.tag != f"{_ATOM}feed":
        raise _malformed(ARXIV)
    for entry in feed.iter(f"{_ATOM}entry"):
        entry_id = entry.findtext(f"{_ATOM}id") or ""
        if "/api/errors" in entry_id or entry.findtext(f"{_ATOM}title") == "Error":
            raise NotFound(gettext_noop("%(source)s does not know this identifier."), source=ARXIV)
        return _details(
            ARXIV,
            title=entry.findtext(f"{_ATOM}title"),
            authors=[a.findtext(f"{_ATOM}name") for a in entry.iter(f"{_ATOM}author")],
            year=_year(entry.findtext(f"{_ATOM}published")),
            venue=entry.findtext(f"{_ARXIV_NS}journal_ref") or "arXiv",
            abstract=entry.findtext(f"{_ATOM}summary"),
            url=f"https://arxiv.org/abs/{arxiv_id}",
            arxiv_id=arxiv_id,
            doi=_optional(normalize_doi, entry.findtext(f"{_ARXIV_NS}doi")),
        )
    raise NotFound(gettext_noop("%(source)s does not know this identifier."), source=ARXIV)


# ---------------------------------------------------------------- Crossref and DataCite


def doi(value: str) -> PaperDetails:
    """Crossref first; DataCite (datasets, software, many preprints) when Crossref does
    not know the DOI."""
    try:
        body = fetching.get(settings.LOOKUP_CROSSREF_URL + value, source=CROSSREF)
        return read_crossref(body, value)
    except NotFound:
        pass
    try:
        body = fetching.get(settings.LOOKUP_DATACITE_URL + value, source=DATACITE)
    except NotFound:
        raise NotFound(gettext_noop("Neither Crossref nor DataCite knows this DOI.")) from None
    return read_datacite(body, value)


def read_crossref(body: bytes, value: str) -> PaperDetails:
    data = _json(body, CROSSREF)
    work = data.get("message")
    if not isinstance(work, dict):
        raise _malformed(CROSSREF)
    titles = work.get("title") or [""]
    authors = [
        " ".join(part for part in (a.get("given"), a.get("family")) if part) or a.get("name")
        for a in work.get("author") or []
        if isinstance(a, dict)
    ]
    year = None
    for key in ("published-print", "published-online", "issued", "created"):
        parts = (work.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            year = _year(parts[0][0])
            break
    venues = work.get("container-title") or [""]
    return _details(
        CROSSREF,
        title=titles[0] if isinstance(titles, list) and titles else "",
        authors=authors,
        year=year,
        venue=venues[0] if isinstance(venues, list) and venues else "",
        abstract=work.get("abstract") or "",
        url=f"https://doi.org/{value}",
        doi=_optional(normalize_doi, work.get("DOI")) or value,
    )


def read_datacite(body: bytes, value: str) -> PaperDetails:
    data = _json(body, DATACITE)
    attributes = (data.get("data") or {}).get("attributes")
    if not isinstance(attributes, dict):
        raise _malformed(DATACITE)
    titles = [t.get("title") for t in attributes.get("titles") or [] if isinstance(t, dict)]
    authors = [
        " ".join(p for p in (c.get("givenName"), c.get("familyName")) if p) or c.get("name")
        for c in attributes.get("creators") or []
        if isinstance(c, dict)
    ]
    abstracts = [
        d.get("description")
        for d in attributes.get("descriptions") or []
        if isinstance(d, dict) and d.get("descriptionType") == "Abstract"
    ]
    container = attributes.get("container") or {}
    publisher = attributes.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name")
    return _details(
        DATACITE,
        title=titles[0] if titles else "",
        authors=authors,
        year=_year(attributes.get("publicationYear")),
        venue=(container.get("title") if isinstance(container, dict) else "") or publisher or "",
        abstract=abstracts[0] if abstracts else "",
        url=f"https://doi.org/{value}",
        doi=value,
    )


# ----------------------------------------------------------------------- NCBI (PubMed)


def pubmed(pmid: str) -> PaperDetails:
    body = fetching.get(
        settings.LOOKUP_EUTILS_URL + "efetch.fcgi",
        source=PUBMED,
        params={"db": "pubmed", "id": pmid, "retmode": "xml", **_ncbi_params()},
    )
    return read_pubmed(body, pmid)


def pmcid(value: str) -> PaperDetails:
    """A PMCID is looked up as the PMID of the same article."""
    body = fetching.get(
        settings.LOOKUP_EUTILS_URL + "esearch.fcgi",
        source=PUBMED,
        params={"db": "pubmed", "term": f"{value}[pmcid]", "retmode": "json", **_ncbi_params()},
    )
    result = _json(body, PUBMED).get("esearchresult")
    ids = result.get("idlist") if isinstance(result, dict) else None
    if not isinstance(ids, list):
        raise _malformed(PUBMED)
    if not ids:
        raise NotFound(gettext_noop("%(source)s does not know this PMCID."), source=PUBMED)
    pmid = _optional(normalize_pmid, ids[0])
    if not pmid:
        raise _malformed(PUBMED)
    return pubmed(pmid)


def _ncbi_params() -> dict[str, str]:
    return {"tool": settings.SITE_NAME, "email": settings.LOOKUP_CONTACT_EMAIL}


def read_pubmed(body: bytes, pmid: str) -> PaperDetails:
    root = _xml(body, PUBMED)
    if root.tag != "PubmedArticleSet":
        raise _malformed(PUBMED)
    article_node = root.find("PubmedArticle")
    if article_node is None:
        raise NotFound(gettext_noop("%(source)s does not know this identifier."), source=PUBMED)
    article = article_node.find("MedlineCitation/Article")
    if article is None:
        raise _malformed(PUBMED)
    authors = []
    for author in article.iterfind("AuthorList/Author"):
        name = " ".join(
            part for part in (author.findtext("ForeName"), author.findtext("LastName")) if part
        )
        authors.append(name or "".join(author.findtext("CollectiveName") or ""))
    abstract = " ".join(
        "".join(part.itertext()) for part in article.iterfind("Abstract/AbstractText")
    )
    pub_date = article.find("Journal/JournalIssue/PubDate")
    year = None
    if pub_date is not None:
        year = _year(pub_date.findtext("Year") or pub_date.findtext("MedlineDate"))
    ids = {
        node.get("IdType"): (node.text or "").strip()
        for node in article_node.iterfind("PubmedData/ArticleIdList/ArticleId")
    }
    return _details(
        PUBMED,
        title="".join(article.find("ArticleTitle").itertext())
        if article.find("ArticleTitle") is not None
        else "",
        authors=authors,
        year=year,
        venue=article.findtext("Journal/Title") or "",
        abstract=abstract,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        pmid=pmid,
        doi=_optional(normalize_doi, ids.get("doi")),
    )
