"""Turning a note's Markdown into the HTML and plain text we store.

``render_markdown`` is the only entry point. A note is rendered once, when it is saved, and the
result is stored; pages never render on a read. No step may cost more than linear time in the
text: where Python-Markdown's own would, it is replaced by a bounded one, and what still costs
more than its size is metered as it happens and refused (``RenderRefused``, see "limits"
below). The renderer runs in a child process with a CPU budget all the same
(``notes.render_worker``). The pipeline, in order:

1. Math is recognised before Markdown sees it: inline ``$…$`` and ``\\(…\\)``, display
   ``$$…$$`` and ``\\[…\\]``. A Markdown inline processor (running right after code spans, so
   code is never math) and a block processor (for display math that spans blank lines) replace
   each formula with one of Markdown's raw-HTML placeholders. Underscores and asterisks inside a
   formula are therefore never read as emphasis. A ``$`` only opens a formula when a non-space
   follows it and only closes one when a non-space precedes it and no digit follows, so "costs
   $5 and $6" stays text; ``\\$`` is a literal dollar. Each formula becomes MathML (latex2mathml)
   with its TeX kept in an ``<annotation encoding="application/x-tex">``; a formula that cannot
   be converted is shown as its source in ``<code class="math-error">``.
2. Markdown: tables, fenced code highlighted by Pygments into CSS classes (see
   ``static/css/highlight.css``), footnotes, sane lists (nested items may be indented by two
   spaces), headings with ids, smart emphasis and ``~~strike~~``. The link scanners and the
   block tests that rescanned the rest of a paragraph or block at every step (which made
   "[[[[…" or a run of setext headings quadratic) are replaced by bounded ones.
3. ``{N}`` cross-references become links to notes that ``linkable_notes`` allows, and PMID,
   arXiv and DOI identifiers become links, in text outside links, code and math.
4. Block elements get ``dir="auto"`` so right-to-left paragraphs read right to left.
5. bleach sanitises the raw HTML of the text against the explicit allowlists below. Formulas and
   highlighted code are our own HTML and do not go through it: they stand in it as placeholders
   (MathML is half of a long note's HTML, and html5lib is slow) and come back in the final
   pass, which checks them as strictly as the rest. A text with no raw HTML in it (no tag-like
   "<") skips bleach: Markdown's output is then its own escaped serialisation, which bleach
   would return unchanged.
6. A final pass of our own reads the result with a strict parser and writes it out again,
   escaping everything it writes; it has the last word. Every element and attribute is checked
   against the allowlists again, and every end tag must close an element the text opened;
   every URL attribute is read by our own URL parser (``checked_url``) and kept only if it is
   http, https, mailto, relative or a fragment (a protocol-relative address becomes https);
   ids that come from the text are prefixed with the note's, comment's or preview's own prefix
   (``n12-``, ``c7-``, ``p-``) and links to them rewritten, so they are unique on every page
   and never equal an id of the site; extreme or negative lengths in MathML and image
   attributes are clamped; an image that is not one of the site's static files becomes a link
   to it (reading fetches nothing from another host, nor any page of this one); external links
   are marked ``rel="nofollow noopener"``.
   Nothing touches the HTML after this pass.
7. The plain text (for search and snippets) is collected by the same pass, with each formula
   replaced by its TeX.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

import bleach
import markdown
from bleach import html5lib_shim
from bleach.sanitizer import INVISIBLE_CHARACTERS_RE
from latex2mathml.converter import convert_to_element
from markdown.blockprocessors import (
    BlockProcessor,
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteInlineProcessor
from markdown.extensions.tables import TableProcessor
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.postprocessors import RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor as InlineProcessor_
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString
from pygments.token import STANDARD_TYPES

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "PREVIEW_ID_PREFIX",
    "Rendered",
    "checked_url",
    "comment_id_prefix",
    "note_id_prefix",
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
_MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
_SAFE_ID_RE = re.compile(r"[\w:.\-]{1,128}")
_ID_PREFIX_RE = re.compile(r"[a-z][a-z0-9]*-")
# What raw HTML in Markdown starts with: a tag, an end tag, a comment or declaration.
_RAW_HTML_RE = re.compile(r"<[A-Za-z/!?]")

# ---------------------------------------------------------------------------- ids

# The site's own ids that start like a content prefix: a note's body is ``n<pk>-body`` and the
# replies under a comment ``c<pk>-replies`` (see the templates). A text's id with one of these
# names gets a trailing underscore, so that it can never equal them.
SITE_ID_SUFFIXES: frozenset[str] = frozenset({"body", "replies"})
PREVIEW_ID_PREFIX = "p-"
# For texts rendered outside a note, comment or preview (benchmark data, tests).
DEFAULT_ID_PREFIX = "u-"


def note_id_prefix(pk: int) -> str:
    """What the ids in note ``pk``'s text start with; unique per note on every page."""
    return f"n{int(pk)}-"


def comment_id_prefix(pk: int) -> str:
    """What the ids in comment ``pk``'s text start with."""
    return f"c{int(pk)}-"


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised HTML, safe to mark_safe in templates
    text: str  # plain text: no tags, math as its TeX source, whitespace collapsed
    note_refs: frozenset[int]  # the {N} numbers that became links


def render_markdown(
    source: str,
    *,
    linkable_notes: Callable[[set[int]], set[int]] | None = None,
    id_prefix: str = DEFAULT_ID_PREFIX,
) -> Rendered:
    """Render a note body; see the module docstring for the pipeline.

    ``linkable_notes`` gets every ``{N}`` number found in the text and returns those that may be
    linked; ``None`` links none of them. ``id_prefix`` starts every id the text brings (see
    ``note_id_prefix``). A formula that cannot be converted is shown as source, and hostile
    markup is neutralised by the sanitiser and the final pass; raises ``RenderRefused`` (with a
    message for the author) only for text of a shape that would cost far more than its size.
    """
    if not _ID_PREFIX_RE.fullmatch(id_prefix):
        raise ValueError(f"not an id prefix: {id_prefix!r}")
    md, extension = _converter()
    extension.begin(source, linkable_notes)
    try:
        unsafe_html = md.convert(source)
    except RecursionError:
        # Python-Markdown parses nested blocks recursively; absurdly deep nesting gets the
        # source back as plain preformatted text rather than an error page.
        extension.linked_notes.clear()
        extension.fragments.clear()
        unsafe_html = f"<pre>{html.escape(source)}</pre>"
    # Markdown writes raw HTML through only where the text has a tag-like "<"; without one
    # its output is its own escaped serialisation, which bleach would return unchanged, so
    # the final pass (which enforces the same allowlists) is the only one it needs.
    sanitised = _cleaner().clean(unsafe_html) if _RAW_HTML_RE.search(source) else unsafe_html
    final = _FinalPass(id_prefix=id_prefix, fragments=extension.fragments, token=extension.token)
    safe_html, text = final.run(sanitised)
    return Rendered(html=safe_html, text=text, note_refs=frozenset(extension.linked_notes))


# Building a Markdown instance with its extensions costs more than rendering a short comment,
# so each thread keeps one and resets it between texts (Python-Markdown's reset() clears the
# stash, references, footnotes and every extension's state; ``begin`` clears ours).
_converters = threading.local()


def _converter() -> tuple[markdown.Markdown, _PaperNotesExtension]:
    converter = getattr(_converters, "converter", None)
    if converter is None:
        extension = _PaperNotesExtension()
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
                "pymdownx.highlight": {
                    "use_pygments": True,
                    "noclasses": False,
                    "guess_lang": False,
                },
                "pymdownx.betterem": {"smart_enable": "all"},
                "pymdownx.tilde": {"subscript": False, "smart_delete": True},
            },
            output_format="html",
        )
        converter = _converters.converter = (md, extension)
    md, _ = converter
    md.reset()
    return converter


# ---------------------------------------------------------------------------- math

_DOLLAR_BODY = r"(?:\\[^\x02\x03]|[^\\$\x02\x03])+?"
_DISPLAY_DOLLAR_BODY = r"(?:\\[^\x02\x03]|[^\\$\x02\x03]|\$(?!\$))+?"
# A backslash pair before a delimiter is an escaped backslash, and so does not escape it. A
# formula body never holds an unescaped opening delimiter of its own kind (the dollar forms
# cannot hold their delimiter, the bracket forms no "\(" or "\["), so that each opening looks
# no further than the next one: "\(a" repeated without a closing would otherwise be quadratic.
_MATH_INLINE_RE = (
    r"(?P<escapes>(?<!\\)(?:\\{2})+)(?=\$|\\[(\[])"
    rf"|(?<!\\)\$\$(?P<display_dollar>{_DISPLAY_DOLLAR_BODY})\$\$"
    r"|(?<!\\)\\\[(?P<display_bracket>(?:\\[^\]\[(\x02\x03]|[^\\\x02\x03])+?)\\\]"
    r"|(?<!\\)\\\((?P<inline_paren>(?:\\[^)\[(\x02\x03]|[^\\\x02\x03])+?)\\\)"
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


class _Fragment(str):
    """HTML that our own code made (a formula's MathML, highlighted code) in Markdown's raw-HTML
    stash. It bypasses bleach (see the module docstring) and is checked by the final pass.
    ``source`` is what the writer typed, ``number`` its place in the render's fragments."""

    source: str
    number: int


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

    def __init__(self, pattern: str, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(pattern, md)
        self.owner = owner

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
        formula = self.owner.formula(rendered, source=m.group(0))
        return self.md.htmlStash.store(formula), m.start(0), m.end(0)


class _MathBlockProcessor(BlockProcessor):
    """A display formula standing alone, possibly across blank lines, becomes its own block."""

    def __init__(self, parser: Any, owner: _PaperNotesExtension) -> None:
        super().__init__(parser)
        self.owner = owner

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
                source = text.strip()
                paragraph = etree.SubElement(parent, "p")
                paragraph.text = self.parser.md.htmlStash.store(
                    self.owner.formula(_math_to_html(tex, display=True, source=source), source)
                )
                return True
        # Not a formula on its own (text follows it): the inline processor handles it.
        return False


class _RawHtmlPostprocessor(RawHtmlPostprocessor):
    """Puts raw HTML back as Markdown does, but our fragments as placeholders once the tree is
    done. Until then (the toc extension renders headings to find their ids) they come back as
    their HTML, as in stock Markdown, so that ids do not depend on placeholders.
    """

    def __init__(self, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(md)
        self.owner = owner

    def stash_to_string(self, text: str) -> str:
        if isinstance(text, _Fragment) and self.owner.tree_done:
            return self.owner.placeholder(text)
        if self.owner.tree_done:
            self.owner.count_raw_html(str(text))
        return str(text)

    def isblocklevel(self, html: str) -> bool:
        # Fragments are "<math …>" and "<div class="highlight">", both block-level to Markdown.
        return html.startswith(self.owner.token) or super().isblocklevel(html)


class _TreeDone(Treeprocessor):
    """Runs after every other tree processor: from here on fragments become placeholders."""

    def __init__(self, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(md)
        self.owner = owner

    def run(self, root: etree.Element) -> None:
        self.owner.tree_done = True


# ---------------------------------------------------------------------------- bounded links

# Python-Markdown looks for the end of a link's text and of its destination by walking the rest
# of the paragraph a character at a time, once for every "[" and every "](", so thousands of
# unmatched ones took minutes. Here the end of a link's text is found by one regular expression
# (brackets nested up to a depth no real link reaches, possessive so that it never backtracks),
# and the destination scanner jumps between the characters that matter and gives up (not a
# link) on destinations (with their title) longer than this or nesting parentheses deeper.
_LINK_TEXT_DEPTH = 8
_LINK_DESTINATION_CHARS = 4096
_LINK_DESTINATION_MARKS = 32
_LINK_DESTINATION_DEPTH = 8
_DESTINATION_MARK_RE = re.compile(r"""[()'"]""")


def _nested_brackets(depth: int) -> str:
    text = r"[^\[\]]*+"
    for _ in range(depth):
        text = rf"[^\[\]]*+(?:\[{text}\][^\[\]]*+)*+"
    return text


_LINK_TEXT_RE = re.compile(rf"({_nested_brackets(_LINK_TEXT_DEPTH)})\]", re.DOTALL)
# Python-Markdown's footnote reference, "[^label]", with a label that cannot hold "[" (so that
# "[^[^[^…" is not quadratic either).
_FOOTNOTE_RE = r"\[\^([^\[\]]*+)\]"


class _BoundedLinkScanner(LinkInlineProcessor):
    """``getText`` and ``getLink`` of Python-Markdown's link processors, bounded.

    The same results as Python-Markdown's for every link within the limits above.
    """

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        if match := _LINK_TEXT_RE.match(data, index):
            return match.group(1), match.end(), True
        return "", index, False

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        m = self.RE_LINK.match(data, pos=index)
        if m and m.group(1):
            # [text](<link> "title")
            title = m.group(2)[1:-1] if m.group(2) else None
            return self._finish(m.group(1)[1:-1], title, m.end(0), True)
        if not m:
            return "", None, index, False
        start = m.end()
        end = min(len(data), start + _LINK_DESTINATION_CHARS)
        if data.find(")", start, end) == -1:
            return "", None, index, False
        # Python-Markdown's state, as in LinkInlineProcessor.getLink.
        bracket_count = backtrack_count = 1
        last_bracket = -1
        quote: str | None = None
        start_quote = exit_quote = -1
        ignore_matches = False
        alt_quote: str | None = None
        start_alt_quote = exit_alt_quote = -1
        last = ""  # the last non-space character before the current one
        previous = start
        href = ""
        title: str | None = None
        index = end
        for count, mark in enumerate(_DESTINATION_MARK_RE.finditer(data, start, end)):
            if count == _LINK_DESTINATION_MARKS or bracket_count > _LINK_DESTINATION_DEPTH:
                return "", None, index, False
            pos = mark.start()
            if gap := data[previous:pos].rstrip(" "):
                last = gap[-1]
            c = mark.group()
            if c == "(":
                if not ignore_matches:
                    bracket_count += 1
                elif backtrack_count > 0:
                    backtrack_count -= 1
            elif c == ")":
                if (exit_quote != -1 and quote == last) or (
                    exit_alt_quote != -1 and alt_quote == last
                ):
                    bracket_count = 0
                elif not ignore_matches:
                    bracket_count -= 1
                elif backtrack_count > 0:
                    backtrack_count -= 1
                    if backtrack_count == 0:
                        last_bracket = pos + 1
            elif not quote:
                ignore_matches = True
                backtrack_count = bracket_count
                bracket_count = 1
                start_quote = pos + 1
                quote = c
            elif c != quote and not alt_quote:
                start_alt_quote = pos + 1
                alt_quote = c
            elif c == quote:
                exit_quote = pos + 1
            elif alt_quote and c == alt_quote:
                exit_alt_quote = pos + 1
            if bracket_count == 0:
                index = pos + 1
                if exit_quote >= 0 and quote == last:
                    href = data[start : start_quote - 1]
                    title = data[start_quote : exit_quote - 1]
                elif exit_alt_quote >= 0 and alt_quote == last:
                    href = data[start : start_alt_quote - 1]
                    title = data[start_alt_quote : exit_alt_quote - 1]
                else:
                    href = data[start:pos]
                break
            last = c
            previous = pos + 1
        if bracket_count != 0 and backtrack_count == 0:
            href = data[start : last_bracket - 1]
            index = last_bracket
            bracket_count = 0
        return self._finish(href, title, index, bracket_count == 0)

    def _finish(
        self, href: str, title: str | None, index: int, handled: bool
    ) -> tuple[str, str | None, int, bool]:
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", _dequote(self.unescape(title.strip())))
        return self.unescape(href).strip(), title, index, handled


def _dequote(string: str) -> str:
    if len(string) > 1 and string[0] == string[-1] and string[0] in "'\"":
        return string[1:-1]
    return string


class _Link(_BoundedLinkScanner, LinkInlineProcessor):
    pass


class _Image(_BoundedLinkScanner, ImageInlineProcessor):
    pass


class _Reference(_BoundedLinkScanner, ReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedLinkScanner, ImageReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLinkScanner, ShortReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedLinkScanner, ShortImageReferenceInlineProcessor):
    pass


# Python-Markdown's names, priorities and patterns for them (markdown.inlinepatterns).
_LINK_PROCESSORS = (
    ("reference", 170, _Reference, REFERENCE_RE),
    ("link", 160, _Link, LINK_RE),
    ("image_link", 150, _Image, IMAGE_LINK_RE),
    ("image_reference", 140, _ImageReference, IMAGE_REFERENCE_RE),
    ("short_reference", 130, _ShortReference, REFERENCE_RE),
    ("short_image_ref", 125, _ShortImageReference, IMAGE_REFERENCE_RE),
)


# ---------------------------------------------------------------------------- tables


class _TableProcessor(TableProcessor):
    """The tables extension's processor, with a test that reads only the rows it needs.

    The stock test splits and strips every line of a block, and the parser asks it about the
    rest of the block each time another processor takes one line off it (a thousand setext
    headings in a row), which made such text quadratic.
    """

    def test(self, parent: etree.Element, block: str) -> bool:
        header, newline, rest = block.partition("\n")
        if not newline:
            return False
        header = header.strip(" ")
        self.border = 0
        if header.startswith("|"):
            self.border |= 1  # PIPE_LEFT
        if self.RE_END_BORDER.search(header) is not None:
            self.border |= 2  # PIPE_RIGHT
        columns = len(self._split_row(header))
        separator = self._split_row(rest.partition("\n")[0].strip(" "))
        if len(separator) != columns or not set("".join(separator)) <= set("|:- "):
            return False
        if columns == 1:
            # Each row of a single column table needs a pipe; read only once the separator
            # has shown this may be a table at all.
            if not self.border:
                return False
            for line in _lines(rest):
                row = line.strip(" ")
                if not row.startswith("|") and self.RE_END_BORDER.search(row) is None:
                    return False
        self.separator = separator
        return True


class _SetextHeaderProcessor(SetextHeaderProcessor):
    """Python-Markdown's setext headings, taking their two lines off the block without splitting
    the whole block into lines and joining the rest again (quadratic in a run of headings)."""

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        first, _, rest = blocks.pop(0).partition("\n")
        underline, newline, rest = rest.partition("\n")
        heading = etree.SubElement(parent, "h1" if underline.startswith("=") else "h2")
        heading.text = first.strip()
        if newline:
            blocks.insert(0, rest)


# Python-Markdown's headings, rules and quotes may start on any line of a block, so their tests
# search the whole block with a regular expression (slow per character), again each time another
# processor takes a line off it. A plain substring search for what must start such a line (fast)
# comes first; the full test runs only where one is found.


def _some_line_starts_with(block: str, marks: str, indent: int) -> bool:
    """Whether a line of ``block`` starts with one of ``marks`` after at most ``indent`` spaces."""
    for mark in marks:
        if mark not in block:
            continue
        for spaces in range(indent + 1):
            start = " " * spaces + mark
            if block.startswith(start) or f"\n{start}" in block:
                return True
    return False


class _HashHeaderProcessor(HashHeaderProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return _some_line_starts_with(block, "#", 0) and super().test(parent, block)


class _HRProcessor(HRProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return _some_line_starts_with(block, "-*_", 3) and super().test(parent, block)


class _BlockQuoteProcessor(BlockQuoteProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return _some_line_starts_with(block, ">", 3) and super().test(parent, block)


# Link reference and footnote definitions ("[id]: …", "[^id]: …") are searched for in every
# block the same way; without "]:" in it a block holds none.
class _ReferenceProcessor(ReferenceProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return "]:" in block


class _FootnoteBlockProcessor(FootnoteBlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return "[^" in block and "]:" in block


def _lines(text: str) -> Iterator[str]:
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


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
            self.owner.elements += 1
            if self.owner.elements > MAX_ELEMENTS:
                raise _too_many_elements()
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
    """Our processors, and the state of the text being rendered (see ``begin``)."""

    def __init__(self) -> None:
        super().__init__()
        self.begin("", None)

    def begin(self, source: str, linkable_notes: Callable[[set[int]], set[int]] | None) -> None:
        """Start on ``source``: everything that belonged to the text before is forgotten."""
        self.linkable_notes = linkable_notes
        self.source = source
        self.linked_notes: set[int] = set()
        self.fragments: list[_Fragment] = []
        self.formula_count = 0
        self.tree_done = False
        self.block_work = 0
        self.inline_work = 0
        self.elements = 0
        self.raw_depth = 0
        # Stands in for a fragment between the Markdown output and the final pass. It depends
        # on the text, so a text cannot contain its own placeholders, and the output is the
        # same every time the text is rendered.
        self.token = "pnf" + hashlib.sha256(source.encode()).hexdigest()[:24]

    def formula(self, mathml: str, source: str) -> _Fragment:
        self.formula_count += 1
        if self.formula_count > MAX_FORMULAS:
            raise RenderRefused(
                f"This text has more than {MAX_FORMULAS:,} formulas; split it into several notes."
            )
        return self.fragment(mathml, source)

    def fragment(self, html: str, source: str) -> _Fragment:
        fragment = _Fragment(html)
        fragment.source = source
        fragment.number = len(self.fragments)
        self.fragments.append(fragment)
        return fragment

    def count_raw_html(self, html: str) -> None:
        """Adds the tags of a piece of raw HTML (in the order of the text) to the element count
        and follows how deeply they nest."""
        for end, name, closed in _RAW_TAG_RE.findall(html):
            self.elements += 1
            if end:
                self.raw_depth = max(0, self.raw_depth - 1)
            elif not closed and name.lower() not in _RAW_VOID_TAGS:
                self.raw_depth += 1
                if self.raw_depth > MAX_RAW_HTML_DEPTH:
                    raise RenderRefused(
                        f"The raw HTML in this text nests more than {MAX_RAW_HTML_DEPTH} "
                        "elements deep; close the tags it opens."
                    )
        if self.elements > MAX_ELEMENTS:
            raise _too_many_elements()

    def placeholder(self, fragment: _Fragment) -> str:
        return f"{self.token}n{fragment.number}x"

    def _highlighted(self, formatter: Callable[..., Any]) -> Callable[..., Any]:
        """The fenced-code formatter, its output marked as our own HTML."""

        def format_code(**kwargs: Any) -> Any:
            code = formatter(**kwargs)
            return self.fragment(code, kwargs.get("src", "")) if isinstance(code, str) else code

        return format_code

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
        # Before fenced code (25) builds its blocks.
        md.preprocessors.register(_FenceLimitPreprocessor(md), "paper_fence_limit", 26)
        # After html_block (20), so raw HTML is already set aside.
        md.preprocessors.register(_ListIndentPreprocessor(md), "paper_lists", 15)
        # Before every other block processor, so it sees every block looked at.
        md.parser.blockprocessors.register(_BlockMeter(md.parser, self), "paper_meter", 1000)
        # After indented code (80), so an indented formula stays code.
        md.parser.blockprocessors.register(_MathBlockProcessor(md.parser, self), "paper_math", 79.5)
        table = md.parser.blockprocessors["table"]
        md.parser.blockprocessors.register(_TableProcessor(md.parser, table.config), "table", 75)
        md.parser.blockprocessors.register(_HashHeaderProcessor(md.parser), "hashheader", 70)
        md.parser.blockprocessors.register(_SetextHeaderProcessor(md.parser), "setextheader", 60)
        md.parser.blockprocessors.register(_HRProcessor(md.parser), "hr", 50)
        md.parser.blockprocessors.register(_BlockQuoteProcessor(md.parser), "quote", 20)
        footnote_blocks = md.parser.blockprocessors["footnote"].footnotes
        md.parser.blockprocessors.register(_FootnoteBlockProcessor(footnote_blocks), "footnote", 17)
        md.parser.blockprocessors.register(_ReferenceProcessor(md.parser), "reference", 15)
        # After code spans (190), before escapes (180) so ``\(`` and ``\\`` reach us intact.
        md.inlinePatterns.register(
            _MathInlineProcessor(_MATH_INLINE_RE, md, self), "paper_math", 185
        )
        for name, priority, processor, pattern in _LINK_PROCESSORS:
            md.inlinePatterns.register(processor(pattern, md), name, priority)
        footnotes = md.inlinePatterns["footnote"].footnotes
        md.inlinePatterns.register(
            FootnoteInlineProcessor(_FOOTNOTE_RE, footnotes), "footnote", 175
        )
        md.treeprocessors.register(_MeteredInlineProcessor(md, self), "inline", 20)
        # Right after inline (20), before anything else handles the elements.
        md.treeprocessors.register(_ElementLimitTreeprocessor(md, self), "paper_element_limit", 19)
        # After inline (20) has built the tree, before prettify (10).
        md.treeprocessors.register(_LinkTreeprocessor(md, self), "paper_links", 12)
        # After toc (5), which renders headings to find their ids.
        md.treeprocessors.register(_TreeDone(md, self), "paper_tree_done", 1)
        md.postprocessors.register(_RawHtmlPostprocessor(md, self), "raw_html", 30)
        fences = md.preprocessors["fenced_code_block"].extension
        for entry in fences.superfences:
            entry["formatter"] = self._highlighted(entry["formatter"])


# ---------------------------------------------------------------------------- limits

# Python-Markdown, Pygments and the sanitiser take time in proportion to the text for ordinary
# notes, but some shapes of text cost far more per character: a run of lines that Markdown takes
# apart a line at a time (a thousand setext headings without a blank line: each step scans and
# copies the rest of the run), a paragraph holding thousands of marks (each match rebuilds the
# paragraph's string), thousands of code blocks (Pygments builds a formatter for each), deeply
# nested raw HTML (html5lib walks the open elements for each tag), or simply tens of thousands of
# elements. The renderer meters these as it goes and refuses the text, with a message saying
# what to change, before the work gets long; an ordinary note of the largest size stays well
# inside every limit. The render's CPU budget (notes.render_worker) still bounds whatever shape
# these do not foresee.


class RenderRefused(Exception):
    """The text is of a shape the renderer does not take on; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


MAX_CODE_FENCES = 1_000  # lines that open or close a fenced code block
MAX_BLOCK_WORK = 300_000_000  # characters of the blocks the block parser looks at, summed
MAX_INLINE_WORK = 1_000_000_000  # characters of paragraph copied by inline matches, summed
MAX_ELEMENTS = 20_000  # elements Markdown makes, formulas and raw HTML tags
MAX_FORMULAS = 5_000
MAX_RAW_HTML_DEPTH = 100  # raw HTML elements open inside each other

_INLINE_MARK_RE = re.compile(r"[`\\$\[<&*_~]|  \n")
_FENCE_LINE_RE = re.compile(r"^[ \t>*+\-0-9.]*(?:`{3,}|~{3,})", re.MULTILINE)
_RAW_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*?(/?)>")
_RAW_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def _excerpt(text: str) -> str:
    line = " ".join(re.sub(r"\x02[^\x03]*\x03", "…", text).split())  # Markdown's placeholders
    return f"“{line[:40]}…”" if len(line) > 40 else f"“{line}”"


def _too_many_elements() -> RenderRefused:
    return RenderRefused(
        f"This text would make more than {MAX_ELEMENTS:,} HTML elements (headings, list items, "
        "links, formulas, emphasis…), more than a note may have. Split it into several notes."
    )


class _FenceLimitPreprocessor(Preprocessor):
    """Counts code fences before the fenced-code extension builds a block for each."""

    def run(self, lines: list[str]) -> list[str]:
        fences = len(_FENCE_LINE_RE.findall("\n".join(lines)))
        if fences > MAX_CODE_FENCES:
            raise RenderRefused(
                f"This text has {fences:,} code fence lines (``` or ~~~); the most a note may "
                f"have is {MAX_CODE_FENCES:,}. Split it into several notes."
            )
        return lines


class _BlockMeter(BlockProcessor):
    """The first block processor: takes no block, but counts the characters of every block the
    parser looks at. Each look costs about that much (several processors scan the whole block,
    and taking a line off it copies the rest), so the count is the block parser's work."""

    def __init__(self, parser: Any, owner: _PaperNotesExtension) -> None:
        super().__init__(parser)
        self.owner = owner

    def test(self, parent: etree.Element, block: str) -> bool:
        self.owner.block_work += len(block)
        if self.owner.block_work > MAX_BLOCK_WORK:
            raise RenderRefused(
                "This text has long runs of lines without a blank line between them (around "
                f"{_excerpt(block)}), which Markdown takes apart line by line and which would "
                "take too long to render. Put blank lines between its headings, paragraphs and "
                "lists."
            )
        return False

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        return False


class _MeteredInlineProcessor(InlineProcessor_):
    """Python-Markdown's inline processor, counting the characters it copies, and skipping texts
    that no inline pattern can match.

    Each inline match rebuilds the string of the paragraph it is in, so a long paragraph full of
    marks costs its length times its matches. Python-Markdown keeps these steps in private
    methods; the overrides call them unchanged.
    """

    def __init__(self, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(md)
        self.owner = owner

    def _InlineProcessor__handleInline(  # Python-Markdown's (mangled) name
        self, data: str, patternIndex: int = 0
    ) -> str:
        # Every inline pattern (code, math, escapes, links, footnotes, autolinks, HTML,
        # entities, line breaks, emphasis, strike-through) starts with one of these; a text
        # without any comes out as it went in, so the fifteen pattern searches are spared.
        if not isinstance(data, AtomicString) and _INLINE_MARK_RE.search(data) is None:
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)  # type: ignore[misc]

    def _InlineProcessor__applyPattern(  # Python-Markdown's (mangled) name
        self, pattern: Any, data: str, patternIndex: int, startIndex: int = 0
    ) -> tuple[str, bool, int]:
        result = super()._InlineProcessor__applyPattern(  # type: ignore[misc]
            pattern, data, patternIndex, startIndex
        )
        if result[1]:
            self.owner.inline_work += len(data)
            if self.owner.inline_work > MAX_INLINE_WORK:
                longest = max(re.split(r"\n\s*\n", self.owner.source), key=len)
                raise RenderRefused(
                    "A paragraph of this text holds so many links, formulas, marks or "
                    "backslashes that it would take too long to render (the longest starts "
                    f"{_excerpt(longest)}). Break it up with blank lines."
                )
        return result


class _ElementLimitTreeprocessor(Treeprocessor):
    """After inline processing: how many elements the rest of the pipeline would handle."""

    def __init__(self, md: markdown.Markdown, owner: _PaperNotesExtension) -> None:
        super().__init__(md)
        self.owner = owner

    def run(self, root: etree.Element) -> None:
        self.owner.elements = sum(1 for _ in root.iter()) + self.owner.formula_count
        if self.owner.elements > MAX_ELEMENTS:
            raise _too_many_elements()


# ---------------------------------------------------------------------------- sanitising

_EtreeWalker: Any = html5lib_shim.getTreeWalker("etree")


class _TreeWalker(_EtreeWalker):
    """html5lib's ElementTree walker, with each ancestor's position kept on its stack.

    The stock walker finds an element's position among its siblings with ``list.index`` every
    time it leaves the element, which is quadratic in the number of siblings: a paragraph of
    ten thousand formulas or emphasised words took seconds.
    """

    def getFirstChild(self, node: Any) -> Any:
        if isinstance(node, tuple):
            element, key, parents, flag = node
        else:
            element, key, parents, flag = node, None, [], None
        if flag in ("text", "tail"):
            return None
        if element.text:
            return element, key, parents, "text"
        if len(element):
            parents.append((element, key))
            return element[0], 0, parents, None
        return None

    def getNextSibling(self, node: Any) -> Any:
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            if len(element):
                parents.append((element, key))
                return element[0], 0, parents, None
            return None
        if element.tail and flag != "tail":
            return element, key, parents, "tail"
        parent = parents[-1][0]
        if key < len(parent) - 1:
            return parent[key + 1], key + 1, parents, None
        return None

    def getParentNode(self, node: Any) -> Any:
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return element if not parents else (element, key, parents, None)
        parent, parent_key = parents.pop()
        return parent if not parents else (parent, parent_key, parents, None)


def _cleaner() -> bleach.sanitizer.Cleaner:
    # A Cleaner keeps parser state, so each render gets its own (they are cheap to build).
    cleaner = bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=dict(ALLOWED_ATTRIBUTES),
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
    )
    cleaner.walker = _TreeWalker
    return cleaner


# ---------------------------------------------------------------------------- URLs

_URL_FORBIDDEN_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
_URL_FIRST_PART_RE = re.compile(r"[^/?#]*")
_URL_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# The attributes of ALLOWED_ATTRIBUTES that hold a URL; the final pass checks each of them.
URL_ATTRIBUTES: frozenset[str] = frozenset({"href", "src"})


def checked_url(value: str) -> str | None:
    """A URL attribute's value (character references already resolved) as it may be written, or
    None when it may not be written at all.

    Our own strict reading, the last word on every ``href`` and ``src``: http, https and mailto
    addresses, relative addresses and fragments pass; any other scheme (``javascript:``,
    ``data:``, ``vbscript:``, …, in any case) and anything with a colon before its first ``/``,
    ``?`` or ``#`` that is not one of those schemes is None. So are addresses holding control
    characters or backslashes anywhere: browsers drop the former and read the latter as ``/``,
    which is how schemes and hosts are smuggled past simpler checks. Spaces around the address
    go and spaces inside become ``%20``; a protocol-relative ``//host/…`` becomes
    ``https://host/…``.
    """
    url = value.strip(" \t\n\r\f")
    if _URL_FORBIDDEN_RE.search(url):
        return None
    url = url.replace(" ", "%20")
    first = _URL_FIRST_PART_RE.match(url)
    scheme, colon, _ = (first.group() if first else "").partition(":")
    if colon:
        if _URL_SCHEME_RE.fullmatch(scheme) and scheme.lower() in ALLOWED_PROTOCOLS:
            return url
        return None
    if url.startswith("//"):
        return f"https:{url}"
    return url


# The images a text may show: the site's own static files (there are no uploads). Path
# segments may not start with a dot, so "/static/../…" cannot step out of them.
_SITE_IMAGE_RE = re.compile(r"/static/(?:[\w~-][\w.~-]*/)*[\w~-][\w.~-]*", re.ASCII)


def _is_web_address(url: str) -> bool:
    """Whether a checked URL points at another site (http or https, not relative)."""
    return url[:6].lower().startswith(("http:", "https:"))


# ---------------------------------------------------------------------------- sizes


# Lengths in MathML attributes, in em, and the range each may take: enough for any formula,
# too little to cover the page. Values outside are clamped to the range, values we cannot read
# are dropped. Small negative widths stay possible for TeX's negative spaces (``\!``).
@dataclass(frozen=True)
class _Range:
    low: float
    high: float
    words: frozenset[str] = frozenset()  # keywords allowed as they are
    many: bool = False  # a space-separated list of lengths


_LENGTHS: Mapping[tuple[str, str], _Range] = MappingProxyType(
    {
        ("mspace", "width"): _Range(-1, 20),
        ("mspace", "height"): _Range(0, 20),
        ("mspace", "depth"): _Range(0, 20),
        ("mpadded", "width"): _Range(0, 20),
        ("mpadded", "height"): _Range(0, 20),
        ("mpadded", "depth"): _Range(0, 20),
        ("mpadded", "lspace"): _Range(-1, 5),
        ("mpadded", "voffset"): _Range(-1, 1),
        ("mo", "lspace"): _Range(0, 2),
        ("mo", "rspace"): _Range(0, 2),
        ("mo", "minsize"): _Range(0, 10),
        ("mo", "maxsize"): _Range(0, 10, words=frozenset({"infinity"})),
        ("mfrac", "linethickness"): _Range(0, 1, words=frozenset({"thin", "medium", "thick"})),
        ("mtable", "columnspacing"): _Range(0, 5, many=True),
        ("mtable", "rowspacing"): _Range(0, 5, many=True),
        ("mtable", "framespacing"): _Range(0, 5, many=True),
    }
)
# Whole numbers (image sizes in pixels, table spans) and their ranges.
_COUNTS: Mapping[tuple[str, str], tuple[int, int]] = MappingProxyType(
    {
        ("img", "width"): (0, 1200),
        ("img", "height"): (0, 1200),
        ("td", "colspan"): (1, 100),
        ("td", "rowspan"): (1, 100),
        ("th", "colspan"): (1, 100),
        ("th", "rowspan"): (1, 100),
        ("mtd", "columnspan"): (1, 100),
        ("mtd", "rowspan"): (1, 100),
    }
)
_LENGTH_RE = re.compile(
    r"([+-]?)([0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})(em|ex|px|pt|pc|in|cm|mm|mu|%)?"
)
_EM_PER_UNIT = {
    **{"em": 1.0, "ex": 0.5, "px": 1 / 16, "pt": 1 / 12, "pc": 1.0, "in": 6.0},
    **{"cm": 6 / 2.54, "mm": 0.6 / 2.54, "mu": 1 / 18, "%": 0.01, "": 1.0},
}
_NAMED_SPACES = {
    f"{sign}{name}mathspace": factor * (n + 1) / 18
    for n, name in enumerate(
        ("veryverythin", "verythin", "thin", "medium", "thick", "verythick", "veryverythick")
    )
    for sign, factor in (("", 1), ("negative", -1))
}
# Font sizes multiply down the tree (``mathsize="3em"`` inside another), so the final pass
# tracks the product and keeps it within these bounds; ``scriptlevel`` may only shrink.
_MATHSIZE_WORDS = {"small": 0.8, "normal": 1.0, "big": 1.2}
_MATH_SCALE = (0.25, 3.0)
_SCRIPTLEVEL_RE = re.compile(r"\+?[0-7]")


def _ems(value: str) -> float | None:
    text = value.strip().lower()
    if (named := _NAMED_SPACES.get(text)) is not None:
        return named
    match = _LENGTH_RE.fullmatch(text)
    if match is None:
        return None
    sign, number, unit = match.groups()
    return float(sign + number) * _EM_PER_UNIT[unit or ""]


def _em_text(ems: float) -> str:
    return f"{ems:.3g}em" if ems else "0"


def _clamped_length(value: str, limits: _Range) -> str | None:
    if limits.many:
        parts = [_clamped_length(part, _Range(limits.low, limits.high)) for part in value.split()]
        return None if not parts or None in parts else " ".join(p for p in parts if p)
    if value.strip().lower() in limits.words:
        return value.strip()
    ems = _ems(value)
    if ems is None:
        return None
    if limits.low <= ems <= limits.high:
        return value.strip()
    return _em_text(min(max(ems, limits.low), limits.high))


def _clamped_count(value: str, limits: tuple[int, int]) -> str | None:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return str(min(max(int(text), limits[0]), limits[1]))


def _math_scale(value: str, inherited: float) -> tuple[str | None, float]:
    """``mathsize`` as it may be written under a scale of ``inherited``, and the new scale."""
    text = value.strip().lower()
    if text in _MATHSIZE_WORDS:
        scale = inherited * _MATHSIZE_WORDS[text]
    else:
        match = _LENGTH_RE.fullmatch(text)
        if match is None:
            return None, inherited
        sign, number, unit = match.groups()
        amount = float(sign + number)
        if unit in (None, "em", "%", "ex"):
            scale = inherited * amount * _EM_PER_UNIT[unit or ""]
        else:  # an absolute size, against the text's 16px
            scale = amount * _EM_PER_UNIT[unit]
    low, high = _MATH_SCALE
    if low <= scale <= high:
        return value.strip(), scale
    bounded = min(max(scale, low), high)
    return _em_text(bounded / inherited), bounded


# ---------------------------------------------------------------------------- final pass

_VOID_TAGS = frozenset({"br", "hr", "img"})
_BREAKING_TAGS = frozenset(
    {
        "blockquote", "br", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_DIRECTIONS = frozenset({"auto", "ltr", "rtl"})


def _visible(text: str) -> str:
    """Control characters as bleach writes them (NUL as the HTML parser reads it): they have no
    place in HTML, and would make the feeds' XML invalid."""
    return INVISIBLE_CHARACTERS_RE.sub("?", text.replace("\x00", "\ufffd"))


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;")


class _FinalPass(HTMLParser):
    """Reads the sanitised HTML and writes it out again under our own rules (pipeline step 6).

    Everything it writes is escaped by it, so a browser reads exactly what it checked.
    """

    def __init__(self, *, id_prefix: str, fragments: list[_Fragment], token: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.id_prefix = id_prefix
        self.fragments = fragments
        self.token = token
        self.placeholder_re = (
            re.compile(re.escape(token) + r"n([0-9]+)x") if fragments and token else None
        )
        self.fragment_cache: dict[str, tuple[str, list[str]]] = {}
        self.out: list[str] = []
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.link_depth = 0
        self.math_depth = 0
        self.annotation_depth = 0
        self.skip_depth = 0  # inside a footnote's "back to text" arrow: not part of the text
        self.math_scales: list[tuple[str, float]] = []
        # The elements open at this point, so that every end tag closes one of the text's own
        # elements and everything opened is closed.
        self.open: list[str] = []
        self.open_counts: dict[str, int] = defaultdict(int)

    def run(self, sanitised: str) -> tuple[str, str]:
        self.feed(sanitised)
        self.close()
        while self.open:  # whatever is still open closes here, inside the text's own box
            self._end(self.open.pop())
        return "".join(self.out), " ".join("".join(self.text).split())

    # -- the parser's events

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            # bleach shows a tag it does not allow as text; so do we, should one get past it.
            self._data(self.get_starttag_text() or "")
            return
        if tag == "img":
            self._image(attrs)
            return
        kept = self._attributes(tag, attrs)
        if tag in _MATHML_TAGS:
            kept = self._math_sizes(tag, kept)
        if tag == "a":
            self.link_depth += 1
            kept = [(name, value) for name, value in kept if name != "rel"]
            if any(name == "href" and _is_web_address(value) for name, value in kept):
                kept.append(("rel", _EXTERNAL_REL))
            if ("class", "footnote-backref") in kept:
                self.skip_depth += 1
        self._start(tag, kept)
        if tag not in _VOID_TAGS:
            self.open.append(tag)
            self.open_counts[tag] += 1
        if tag in _BREAKING_TAGS:
            self.text.append(" ")
        if tag == "math":
            self.math_depth += 1
        elif tag == "annotation" and self.math_depth:
            self.annotation_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._data(f"</{tag}>")
            return
        if not self.open_counts.get(tag):
            return  # nothing of the text's own to close: never an element of the page
        while self.open:
            top = self.open.pop()
            self._end(top)
            if top == tag:
                break

    def _end(self, tag: str) -> None:
        self.open_counts[tag] -= 1
        self.out.append(f"</{tag}>")
        if tag in _BREAKING_TAGS:
            self.text.append(" ")
        if tag == "a":
            self.link_depth = max(0, self.link_depth - 1)
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "math":
            self.math_depth = max(0, self.math_depth - 1)
        elif tag == "annotation":
            self.annotation_depth = max(0, self.annotation_depth - 1)
        if tag in _MATHML_TAGS and self.math_scales:
            self.math_scales.pop()

    def handle_data(self, data: str) -> None:
        if self.placeholder_re is None or self.token not in data:
            self._data(data)
            return
        position = 0
        for match in self.placeholder_re.finditer(data):
            self._data(data[position : match.start()])
            self._fragment(int(match.group(1)))
            position = match.end()
        self._data(data[position:])

    # Comments, declarations and processing instructions are dropped (bleach strips them too).
    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    # -- writing

    def _start(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        written = "".join(f' {name}="{_escape_attribute(value)}"' for name, value in attrs)
        self.out.append(f"<{tag}{written}>")

    def _data(self, data: str) -> None:
        if not data:
            return
        data = _visible(data)
        self.out.append(_escape_text(data))
        if not self.skip_depth and (not self.math_depth or self.annotation_depth):
            self.text.append(data)

    def _fragment(self, number: int) -> None:
        if number >= len(self.fragments):
            return
        fragment = self.fragments[number]
        if (done := self.fragment_cache.get(fragment)) is None:
            # Fragments are whole elements, checked by a pass of their own; the same formula
            # written many times is checked once.
            inner = _FinalPass(id_prefix=self.id_prefix, fragments=[])
            html_out, _ = inner.run(fragment)
            done = self.fragment_cache[fragment] = (html_out, inner.text)
        self.out.append(done[0])
        if not self.skip_depth and not self.math_depth:
            self.text.extend(done[1])

    # -- attributes

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
        kept: list[tuple[str, str]] = []
        for name, raw in attrs:
            if name not in allowed:
                continue
            value = raw or ""
            if name not in URL_ATTRIBUTES:  # URLs with control characters are refused whole
                value = _visible(value)
            if self.placeholder_re is not None and self.token in value:
                # A formula in an attribute (a link's title) reads as its source.
                value = self.placeholder_re.sub(self._fragment_source, value)
            checked = self._attribute(tag, name, value)
            if checked is not None:
                kept.append((name, checked))
        return kept

    def _fragment_source(self, match: re.Match[str]) -> str:
        number = int(match.group(1))
        return self.fragments[number].source if number < len(self.fragments) else ""

    def _attribute(self, tag: str, name: str, value: str) -> str | None:
        if name == "href":
            return self._href(value)
        if name == "src":
            return checked_url(value)
        if name == "id":
            return self._new_id(value)
        if name == "class":
            return " ".join(c for c in value.split() if c in ALLOWED_CLASSES) or None
        if name == "dir":
            return value if value in _DIRECTIONS else None
        if name == "xmlns":
            return value if value == _MATHML_NAMESPACE else None
        if name == "scriptlevel":
            return value.strip() if _SCRIPTLEVEL_RE.fullmatch(value.strip()) else None
        if (limits := _LENGTHS.get((tag, name))) is not None:
            return _clamped_length(value, limits)
        if (counts := _COUNTS.get((tag, name))) is not None:
            return _clamped_count(value, counts)
        return value

    def _math_sizes(self, tag: str, attrs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        inherited = self.math_scales[-1][1] if self.math_scales and tag != "math" else 1.0
        scale = inherited
        kept: list[tuple[str, str]] = []
        for name, value in attrs:
            if name == "mathsize":
                written, scale = _math_scale(value, inherited)
                if written is None:
                    continue
                value = written
            kept.append((name, value))
        self.math_scales.append((tag, scale))
        return kept

    def _content_id(self, raw: str) -> str | None:
        """The id a text's own ``raw`` id becomes on the page, or None if it is not one."""
        if not _SAFE_ID_RE.fullmatch(raw):
            return None
        if raw in SITE_ID_SUFFIXES:
            raw += "_"
        return self.id_prefix + raw

    def _new_id(self, raw: str) -> str | None:
        ident = self._content_id(raw)
        if ident is None or ident in self.ids:
            return None  # a second element with the same id loses it; links go to the first
        self.ids.add(ident)
        return ident

    def _href(self, value: str) -> str | None:
        url = checked_url(value)
        if url is None or not url.startswith("#") or url == "#":
            return url
        target = self._content_id(unquote(url[1:]))
        return None if target is None else f"#{target}"

    def _image(self, attrs: list[tuple[str, str | None]]) -> None:
        """An image among the site's static files stays an image; any other becomes a link to
        it, so that reading a note fetches nothing from another host (no tracking pixels), nor
        any page of this site (which an image would request with the reader's cookies)."""
        kept = self._attributes("img", attrs)
        values = dict(kept)
        src = values.get("src")
        if not src or src[:7].lower() == "mailto:":
            return
        if _SITE_IMAGE_RE.fullmatch(src):
            self._start("img", kept)
            return
        label = values.get("alt", "").strip() or "image"
        if self.link_depth:  # already inside a link: its text is enough
            self._data(label)
            return
        link = [("href", src)]
        if title := values.get("title"):
            link.append(("title", title))
        if _is_web_address(src):
            link.append(("rel", _EXTERNAL_REL))
        self._start("a", link)
        self._data(label)
        self.out.append("</a>")
