"""Turning a note's Markdown into the HTML and plain text we store.

``render_markdown`` is the only entry point. A note is rendered once, when it is saved, and the
result is stored; pages never render on a read. The pipeline, in order:

1. Math is recognised before Markdown sees it: inline ``$…$`` and ``\\(…\\)``, display
   ``$$…$$`` and ``\\[…\\]``. A Markdown inline processor (running right after code spans, so
   code is never math) and a block processor (for display math that spans blank lines) replace
   each formula with one of Markdown's raw-HTML placeholders, which Markdown restores untouched
   after it has finished. Underscores and asterisks inside a formula are therefore never read
   as emphasis. A ``$`` only opens a formula when a non-space follows it and only closes one when
   a non-space precedes it and no digit follows, so "costs $5 and $6" stays text; ``\\$`` is a
   literal dollar.
2. Markdown: tables, fenced code highlighted by Pygments into CSS classes (see
   ``static/css/highlight.css``), footnotes, sane lists (nested items may be indented by two
   spaces), headings with ids, smart emphasis and ``~~strike~~``.
3. Each formula becomes MathML (latex2mathml) with its TeX kept in an
   ``<annotation encoding="application/x-tex">``; a formula that cannot be converted is shown as
   its source in ``<code class="math-error">``.
4. ``{N}`` cross-references become links to notes that ``linkable_notes`` allows, and PMID,
   arXiv and DOI identifiers become links, in text outside links, code and math.
5. Block elements get ``dir="auto"`` so right-to-left paragraphs read right to left.
6. bleach sanitises the result against the explicit allowlists below; its filter chain also
   drops images that are not https and marks external links ``rel="nofollow noopener"``.
   Nothing touches the HTML after the sanitiser.
7. The plain text (for search and snippets) is read back from the sanitised HTML, with each
   formula replaced by its TeX.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any

import bleach
import markdown
from bleach.html5lib_shim import Filter, convert_entities
from latex2mathml.converter import convert_to_element
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from pygments.token import STANDARD_TYPES

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "Rendered",
    "render_markdown",
]

# ---------------------------------------------------------------------------- allowlists

_HTML_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "kbd", "li", "mark", "ol", "p",
        "pre", "s", "samp", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul", "var",
    }
)  # fmt: skip

# Presentation MathML, as latex2mathml writes it, plus the few elements people type by hand.
_MATHML_TAGS = frozenset(
    {
        "annotation", "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo",
        "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt",
        "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder",
        "munderover", "none", "semantics",
    }
)  # fmt: skip

ALLOWED_TAGS: frozenset[str] = _HTML_TAGS | _MATHML_TAGS

_BLOCK_WITH_DIR = ("blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "li", "p")
_MATH_TOKEN_ATTRS = frozenset({"mathvariant", "mathcolor", "mathsize", "mathbackground"})
_MATH_TABLE_ATTRS = frozenset(
    {"columnalign", "columnlines", "columnspacing", "rowalign", "rowlines", "rowspacing"}
)

_MO_ATTRS = frozenset(
    {
        "accent", "fence", "form", "largeop", "lspace", "maxsize", "minsize", "movablelimits",
        "rspace", "separator", "stretchy", "symmetric",
    }
)  # fmt: skip

_attributes: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "class", "rel", "id"}),
    "abbr": frozenset({"title"}),
    "code": frozenset({"class", "title"}),
    "div": frozenset({"class", "dir"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "ol": frozenset({"start"}),
    "pre": frozenset({"class"}),
    "span": frozenset({"class"}),
    "sup": frozenset({"id"}),
    "td": frozenset({"align", "dir", "colspan", "rowspan"}),
    "th": frozenset({"align", "dir", "colspan", "rowspan", "scope"}),
    "math": frozenset({"display", "xmlns"}),
    "annotation": frozenset({"encoding"}),
    "mi": _MATH_TOKEN_ATTRS,
    "mn": _MATH_TOKEN_ATTRS,
    "ms": _MATH_TOKEN_ATTRS,
    "mtext": _MATH_TOKEN_ATTRS,
    "mo": _MATH_TOKEN_ATTRS | _MO_ATTRS,
    "mrow": frozenset(),
    "mspace": frozenset({"width", "height", "depth", "linebreak", "mathbackground"}),
    "mpadded": frozenset({"width", "height", "depth", "lspace", "voffset", "mathbackground"}),
    "mfrac": frozenset({"linethickness", "numalign", "denomalign"}),
    "mover": frozenset({"accent"}),
    "munder": frozenset({"accentunder"}),
    "munderover": frozenset({"accent", "accentunder"}),
    "menclose": frozenset({"notation"}),
    "mstyle": frozenset({"displaystyle", "scriptlevel", "mathvariant", "mathcolor", "mathsize"}),
    "mtable": _MATH_TABLE_ATTRS | {"displaystyle", "frame", "framespacing"},
    "mtr": frozenset({"columnalign", "rowalign"}),
    "mtd": frozenset({"columnalign", "rowalign", "columnspan", "rowspan"}),
}
for _tag in ("h1", "h2", "h3", "h4", "h5", "h6", "li"):
    _attributes[_tag] = frozenset({"id", "dir"})
for _tag in _BLOCK_WITH_DIR:
    _attributes[_tag] = _attributes.get(_tag, frozenset()) | {"dir"}

ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(_attributes)

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

# Classes only carry meaning to our own style sheets; anything else a writer types is dropped so
# a note cannot borrow the site's layout classes.
ALLOWED_CLASSES: frozenset[str] = frozenset(
    {
        "filename", "footnote", "footnote-backref", "footnote-ref", "highlight",
        "highlighttable", "hll", "linenodiv", "linenos", "math-error", "normal", "note-ref",
        "special", "toc",
    }
    | {name for name in STANDARD_TYPES.values() if name}
)  # fmt: skip

_EXTERNAL_REL = "nofollow noopener"
_MATH_ERROR_TITLE = "Could not render this formula"
_SAFE_ID_RE = re.compile(r"[\w:.\-]{1,128}")
_URL_JUNK_RE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+")


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised HTML, safe to mark_safe in templates
    text: str  # plain text: no tags, math as its TeX source, whitespace collapsed
    note_refs: frozenset[int]  # the {N} numbers that became links


def render_markdown(
    source: str, *, linkable_notes: Callable[[set[int]], set[int]] | None = None
) -> Rendered:
    """Render a note body; see the module docstring for the pipeline.

    ``linkable_notes`` gets every ``{N}`` number found in the text and returns those that may be
    linked; ``None`` links none of them. Never raises on odd input: a formula that cannot be
    converted is shown as source, and hostile markup is neutralised by the sanitiser.
    """
    extension = _PaperNotesExtension(linkable_notes)
    md = markdown.Markdown(
        extensions=[
            "tables",
            "footnotes",
            "sane_lists",
            "toc",
            "pymdownx.highlight",
            "pymdownx.superfences",
            "pymdownx.betterem",
            "pymdownx.tilde",
            extension,
        ],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": slugify_unicode},
            "pymdownx.highlight": {"use_pygments": True, "noclasses": False, "guess_lang": False},
            "pymdownx.betterem": {"smart_enable": "all"},
            "pymdownx.tilde": {"subscript": False, "smart_delete": True},
        },
        output_format="html",
    )
    try:
        unsafe_html = md.convert(source)
    except RecursionError:
        # Python-Markdown parses nested blocks recursively; absurdly deep nesting gets the
        # source back as plain preformatted text rather than an error page.
        extension.linked_notes.clear()
        unsafe_html = f"<pre>{html.escape(source)}</pre>"
    safe_html = _cleaner().clean(unsafe_html)
    return Rendered(
        html=safe_html,
        text=_plain_text(safe_html),
        note_refs=frozenset(extension.linked_notes),
    )


# ---------------------------------------------------------------------------- math

_DOLLAR_BODY = r"(?:\\[^\x02\x03]|[^\\$\x02\x03])+?"
_DISPLAY_DOLLAR_BODY = r"(?:\\[^\x02\x03]|[^\\$\x02\x03]|\$(?!\$))+?"
# A backslash pair before a delimiter is an escaped backslash, and so does not escape it.
_MATH_INLINE_RE = (
    r"(?P<escapes>(?<!\\)(?:\\{2})+)(?=\$|\\[(\[])"
    rf"|(?<!\\)\$\$(?P<display_dollar>{_DISPLAY_DOLLAR_BODY})\$\$"
    r"|(?<!\\)\\\[(?P<display_bracket>(?:\\[^\]\x02\x03]|[^\\\x02\x03])+?)\\\]"
    r"|(?<!\\)\\\((?P<inline_paren>(?:\\[^)\x02\x03]|[^\\\x02\x03])+?)\\\)"
    rf"|(?<!\\)\$(?![\s$])(?P<inline_dollar>{_DOLLAR_BODY})(?<!\s)\$(?!\d)"
)
# The formula would start inside a link's destination or a web address.
_URL_BEFORE_RE = re.compile(r"\]\([^\s)]*\Z|(?i:https?|ftp)://[^\s<>]*\Z")
_URL_LOOKBEHIND = 512
_MATH_BLOCK_START_RE = re.compile(r"[ ]{0,3}(?:\$\$|\\\[)")
_MATH_BLOCK_RE = re.compile(
    rf"\s*(?:\$\$(?P<dollar>{_DISPLAY_DOLLAR_BODY})\$\$"
    r"|\\\[(?P<bracket>(?:\\[^\]]|[^\\])+?)\\\])\s*",
    re.DOTALL,
)
# How many blank-line-separated blocks a display formula may span before we stop looking for
# its end; keeps unclosed ``$$`` from making the renderer quadratic.
_MATH_BLOCK_MAX_PARTS = 20


@functools.lru_cache(maxsize=4096)
def _math_to_html(tex: str, *, display: bool, source: str) -> str:
    """MathML for ``tex``, or ``source`` marked as an error if latex2mathml cannot convert it."""
    try:
        root = convert_to_element(tex.strip(), display="block" if display else "inline")
    except Exception:
        # latex2mathml raises many exception types (and RecursionError on deep nesting); every
        # one of them means "show the source instead".
        return f'<code class="math-error" title="{_MATH_ERROR_TITLE}">{html.escape(source)}</code>'
    # latex2mathml writes character references into .text and unescapes its own output; we
    # resolve them here and let ElementTree escape everything, so TeX cannot inject markup.
    for element in root.iter():
        if element.text:
            element.text = html.unescape(element.text)
        if element.tail:
            element.tail = html.unescape(element.tail)
        for name, value in element.attrib.items():
            element.attrib[name] = html.unescape(value)
    children = list(root)
    for child in children:
        root.remove(child)
    semantics = etree.SubElement(root, "semantics")
    if len(children) == 1:
        semantics.append(children[0])
    else:
        etree.SubElement(semantics, "mrow").extend(children)
    annotation = etree.SubElement(semantics, "annotation", {"encoding": "application/x-tex"})
    annotation.text = tex.strip()
    return etree.tostring(root, encoding="unicode", short_empty_elements=False)


class _MathInlineProcessor(InlineProcessor):
    """Replaces each formula inside a paragraph with a raw-HTML placeholder."""

    # Markdown's own placeholder for an escaped character (STX, code point, ETX).
    _ESCAPED_BACKSLASH = "\x02" + str(ord("\\")) + "\x03"

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[str | None, int | None, int | None]:
        if escapes := m.group("escapes"):
            return escapes.replace("\\\\", self._ESCAPED_BACKSLASH), m.start(0), m.end(0)
        # Dollars in a web address ("?$filter=a&$top=5") are part of the address, not math.
        if _URL_BEFORE_RE.search(data, max(0, m.start() - _URL_LOOKBEHIND), m.start()):
            return None, None, None
        display = m.group("display_dollar") or m.group("display_bracket")
        inline = m.group("inline_paren") or m.group("inline_dollar")
        rendered = _math_to_html(display or inline, display=bool(display), source=m.group(0))
        return self.md.htmlStash.store(rendered), m.start(0), m.end(0)


class _MathBlockProcessor(BlockProcessor):
    """A display formula standing alone, possibly across blank lines, becomes its own block."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return _MATH_BLOCK_START_RE.match(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        text = blocks[0]
        for count in range(1, min(len(blocks), _MATH_BLOCK_MAX_PARTS) + 1):
            if count > 1:
                text = f"{text}\n\n{blocks[count - 1]}"
            if match := _MATH_BLOCK_RE.fullmatch(text):
                del blocks[:count]
                tex = match.group("dollar") or match.group("bracket")
                paragraph = etree.SubElement(parent, "p")
                paragraph.text = self.parser.md.htmlStash.store(
                    _math_to_html(tex, display=True, source=text.strip())
                )
                return True
        # Not a formula on its own (text follows it): the inline processor handles it.
        return False


# ---------------------------------------------------------------------------- nested lists

_LIST_ITEM_RE = re.compile(r"( *)([-*+]|\d{1,9}\.)( +|$)")
# Deeper items become siblings at this depth. Python-Markdown's cost grows with the square of
# the nesting depth (and it recurses once per level), and no real note nests this deep.
_MAX_LIST_DEPTH = 10


class _ListIndentPreprocessor(Preprocessor):
    """Re-indent nested list items to the four spaces Python-Markdown expects.

    Writers (and most other Markdown tools) nest with two spaces; an item counts as nested when
    it starts at or beyond the text column of the item above, as in CommonMark.
    """

    def run(self, lines: list[str]) -> list[str]:
        open_items: list[int] = []  # text column of each open list item, outermost first
        previous_blank = True
        result: list[str] = []
        for line in lines:
            stripped = line.lstrip(" ")
            if not stripped:
                result.append(line)
                previous_blank = True
                continue
            indent = len(line) - len(stripped)
            item = _LIST_ITEM_RE.match(line)
            if item and (open_items or indent < 4):
                while open_items and indent < open_items[-1]:
                    open_items.pop()
                if len(open_items) > _MAX_LIST_DEPTH:
                    del open_items[_MAX_LIST_DEPTH:]
                depth = len(open_items)
                spaces = len(item.group(3))
                text_column = indent + len(item.group(2)) + (spaces if 0 < spaces <= 4 else 1)
                open_items.append(text_column)
                result.append(" " * (4 * depth) + stripped if depth else line)
            elif not open_items or indent == 0:
                if previous_blank:
                    open_items.clear()
                result.append(line)
            else:
                if previous_blank:
                    while open_items and indent < open_items[-1]:
                        open_items.pop()
                if open_items:
                    extra = max(indent - open_items[-1], 0)
                    result.append(" " * (4 * len(open_items) + extra) + stripped)
                else:
                    result.append(line)
            previous_blank = False
        return result


# ---------------------------------------------------------------------------- links, direction

_LINK_RE = re.compile(
    r"\{(?P<note>[1-9][0-9]{0,9})\}"
    r"|\b(?i:PMID)(?:-|:[ ]?)(?P<pmid>[0-9]{1,10})\b"
    r"|\b(?i:arXiv):(?P<arxiv>[0-9]{4}\.[0-9]{4,5}(?:v[0-9]+)?"
    r"|[A-Za-z]+(?:-[A-Za-z]+)*(?:\.[A-Za-z]{2})?/[0-9]{7}(?:v[0-9]+)?)\b"
    r"|\b(?i:doi):[ ]?(?P<doi>10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9]+)"
)
_SKIP_LINKING = frozenset({"a", "code", "pre", "math", "script", "style"})


def _trim_doi(doi: str) -> str:
    """Drop sentence punctuation that the DOI pattern swallowed at the end."""
    while doi:
        unbalanced = doi[-1] == ")" and doi.count("(") < doi.count(")")
        if doi[-1] in ".,;:" or unbalanced:
            doi = doi[:-1]
        else:
            break
    return doi


def _is_placeholder_only(element: etree.Element) -> bool:
    return len(element) == 0 and bool(
        element.text and HTML_PLACEHOLDER_RE.fullmatch(element.text.strip())
    )


class _LinkTreeprocessor(Treeprocessor):
    """Links ``{N}`` and paper identifiers in text nodes and marks blocks ``dir="auto"``."""

    def __init__(self, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(md)
        self.owner = owner
        self.linkable: set[int] = set()

    def run(self, root: etree.Element) -> None:
        found = {int(number) for number in self._note_numbers(root)}
        callback = self.owner.linkable_notes
        self.linkable = set(callback(found)) & found if found and callback else set()
        self._link(root)
        for element in root.iter():
            if element.tag in _BLOCK_WITH_DIR or element.tag in ("td", "th"):
                # Markdown unwraps a paragraph holding only stashed block HTML (a code block)
                # by matching the bare "<p>placeholder</p>", so such paragraphs stay bare.
                if element.tag == "p" and _is_placeholder_only(element):
                    continue
                element.set("dir", "auto")

    def _texts(self, element: etree.Element) -> Iterator[str]:
        if element.tag in _SKIP_LINKING:
            return
        if element.text:
            yield element.text
        for child in element:
            yield from self._texts(child)
            if child.tail:
                yield child.tail

    def _note_numbers(self, root: etree.Element) -> Iterator[str]:
        for text in self._texts(root):
            for match in _LINK_RE.finditer(text):
                if match.group("note"):
                    yield match.group("note")

    def _link(self, element: etree.Element) -> None:
        if element.tag in _SKIP_LINKING:
            return
        children: list[etree.Element] = []
        if element.text:
            element.text, children = self._split(element.text)
        for child in list(element):
            self._link(child)
            children.append(child)
            if child.tail:
                child.tail, extra = self._split(child.tail)
                children.extend(extra)
        element[:] = children

    def _split(self, text: str) -> tuple[str, list[etree.Element]]:
        """Text before the first link, and the new links (each carrying its following text)."""
        head = ""
        links: list[etree.Element] = []
        position = 0
        for match in _LINK_RE.finditer(text):
            link = self._make_link(match)
            if link is None:
                continue
            anchor, consumed_end = link
            before = text[position : match.start()]
            if links:
                links[-1].tail = (links[-1].tail or "") + before
            else:
                head += before
            links.append(anchor)
            position = consumed_end
        rest = text[position:]
        if links:
            links[-1].tail = rest
            return head, links
        return text, []

    def _make_link(self, match: re.Match[str]) -> tuple[etree.Element, int] | None:
        end = match.end()
        if note := match.group("note"):
            if int(note) not in self.linkable:
                return None
            self.owner.linked_notes.add(int(note))
            anchor = etree.Element("a", {"href": f"/n/{int(note)}/", "class": "note-ref"})
        elif pmid := match.group("pmid"):
            if int(pmid) == 0:
                return None
            anchor = etree.Element("a", {"href": f"https://pubmed.ncbi.nlm.nih.gov/{int(pmid)}/"})
        elif arxiv := match.group("arxiv"):
            anchor = etree.Element("a", {"href": f"https://arxiv.org/abs/{arxiv}"})
        else:
            doi = _trim_doi(match.group("doi"))
            if "/" not in doi or doi.endswith("/"):
                return None
            end = match.end() - (len(match.group("doi")) - len(doi))
            anchor = etree.Element("a", {"href": f"https://doi.org/{doi}"})
        anchor.text = match.string[match.start() : end]
        return anchor, end


class _PaperNotesExtension(Extension):
    def __init__(self, linkable_notes: Callable[[set[int]], set[int]] | None) -> None:
        super().__init__()
        self.linkable_notes = linkable_notes
        self.linked_notes: set[int] = set()

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
        # After html_block (20), so raw HTML is already set aside.
        md.preprocessors.register(_ListIndentPreprocessor(md), "paper_lists", 15)
        # After indented code (80), so an indented formula stays code.
        md.parser.blockprocessors.register(_MathBlockProcessor(md.parser), "paper_math", 79.5)
        # After code spans (190), before escapes (180) so ``\(`` and ``\\`` reach us intact.
        md.inlinePatterns.register(_MathInlineProcessor(_MATH_INLINE_RE, md), "paper_math", 185)
        # After inline (20) has built the tree, before prettify (10).
        md.treeprocessors.register(_LinkTreeprocessor(md, self), "paper_links", 12)


# ---------------------------------------------------------------------------- sanitising


def _normalised_url(value: str) -> str:
    return _URL_JUNK_RE.sub("", convert_entities(value)).lower()


class _LinkPolicyFilter(Filter):
    """Runs inside bleach, after its sanitiser: the last word on links, images and classes."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                attrs = token["data"]
                if token["name"] == "img" and not _normalised_url(
                    attrs.get((None, "src"), "")
                ).startswith("https://"):
                    continue
                if token["name"] == "a":
                    self._set_rel(attrs)
                self._tidy_values(attrs)
            yield token

    @staticmethod
    def _set_rel(attrs: dict[tuple[str | None, str], str]) -> None:
        href = _normalised_url(attrs.get((None, "href"), ""))
        if href.startswith(("http:", "https:", "//", "\\\\", "/\\", "\\/")):
            attrs[(None, "rel")] = _EXTERNAL_REL
        else:
            attrs.pop((None, "rel"), None)

    @staticmethod
    def _tidy_values(attrs: dict[tuple[str | None, str], str]) -> None:
        if (klass := attrs.get((None, "class"))) is not None:
            kept = [name for name in klass.split() if name in ALLOWED_CLASSES]
            if kept:
                attrs[(None, "class")] = " ".join(kept)
            else:
                del attrs[(None, "class")]
        if (ident := attrs.get((None, "id"))) is not None and not _SAFE_ID_RE.fullmatch(ident):
            del attrs[(None, "id")]
        if (direction := attrs.get((None, "dir"))) is not None and direction not in (
            "auto",
            "ltr",
            "rtl",
        ):
            del attrs[(None, "dir")]


def _cleaner() -> bleach.sanitizer.Cleaner:
    # A Cleaner keeps parser state, so each render gets its own (they are cheap to build).
    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=dict(ALLOWED_ATTRIBUTES),
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
        filters=[_LinkPolicyFilter],
    )


# ---------------------------------------------------------------------------- plain text

_BREAKING_TAGS = frozenset(
    {
        "blockquote", "br", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.math_depth = 0
        self.annotation_depth = 0
        self.skip_depth = 0  # inside a footnote's "back to text" arrow

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKING_TAGS:
            self.parts.append(" ")
        if tag == "math":
            self.math_depth += 1
        elif tag == "annotation" and self.math_depth:
            self.annotation_depth += 1
        elif tag == "a" and ("class", "footnote-backref") in attrs:
            self.skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKING_TAGS:
            self.parts.append(" ")
        if tag == "math" and self.math_depth:
            self.math_depth -= 1
        elif tag == "annotation" and self.annotation_depth:
            self.annotation_depth -= 1
        elif tag == "a" and self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.skip_depth or (self.math_depth and not self.annotation_depth):
            return
        self.parts.append(data)


def _plain_text(safe_html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(safe_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())
