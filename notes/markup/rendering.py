"""Turning a note's Markdown into the HTML and plain text we store.

``render_markdown`` is the only entry point. A note is rendered once, when it is saved, and the
result is stored; pages never render on a read. No step may cost more than linear time in the
text: where Python-Markdown's own would, it is replaced by a bounded one, and what still costs
more than its size is metered as it happens and refused (``RenderRefused``; both in
``notes.markup.bounded_markdown``). The renderer runs in a child process with a CPU budget all the
same (``notes.markup.render_worker``). The pipeline, in order:

1. Math is recognised before Markdown sees it: inline ``$…$`` and ``\\(…\\)``, display
   ``$$…$$`` and ``\\[…\\]``. A Markdown inline processor (running right after code spans, so
   code is never math) and a block processor (for display math that spans blank lines) replace
   each formula with one of Markdown's raw-HTML placeholders. Underscores and asterisks inside a
   formula are therefore never read as emphasis. A ``$`` only opens a formula when a non-space
   follows it and only closes one when a non-space precedes it and no digit follows, so "costs
   $5 and $6" stays text; ``\\$`` is a literal dollar. Once Markdown is done, the formulas
   become MathML (``notes.markup.mathml``: Temml in an embedded V8) in the order they stand in the
   text, so that a definition (``\\newcommand``) holds for the formulas after it, with the site's
   macros defined first; each keeps its TeX in an ``<annotation encoding="application/x-tex">``.
   A formula that cannot be converted is shown as its source in ``<code class="math-error">``
   with the reason in its title, and listed in ``Rendered.math_errors``.
2. Markdown: tables, fenced code highlighted by Pygments into CSS classes (see
   ``static/css/highlight.css``), footnotes, sane lists (nested items may be indented by two
   spaces), headings with ids, smart emphasis and ``~~strike~~``. The link scanners and the
   block tests that rescanned the rest of a paragraph or block at every step (which made
   "[[[[…" or a run of setext headings quadratic) are replaced by bounded ones.
3. ``{N}`` cross-references become links to notes that ``linkable_notes`` allows, at the
   address the caller's ``note_href`` gives (the site's URLs are not the renderer's to know),
   and PMID, arXiv and DOI identifiers become links, in text outside links, code and math.
4. Block elements get ``dir="auto"`` so right-to-left paragraphs read right to left.
5. bleach sanitises the raw HTML of the text against the explicit allowlists below. Formulas and
   highlighted code are our own HTML and do not go through it: they stand in it as placeholders
   (MathML is half of a long note's HTML, and html5lib is slow) and come back in the final
   pass, which checks them as strictly as the rest. A text with no raw HTML in it (no tag-like
   "<") skips bleach: Markdown's output is then its own escaped serialisation, which bleach
   would return unchanged.
6. A final pass of our own (``notes.markup.html_rules``, with the allowlists) reads the result
   with a strict parser and writes it out again, escaping everything it writes; it has the last
   word. Every element and attribute is checked against the allowlists again, and every end tag must
   close an element the text opened; every URL attribute is read by our own URL parser
   (``checked_url``) and kept only if it is http, https, mailto, relative or a fragment (a
   protocol-relative address becomes https); ids that come from the text are prefixed with the
   note's, comment's or preview's own prefix (``n12-``, ``c7-``, ``p-``) and links to them
   rewritten, so they are unique on every page and never equal an id of the site; extreme or
   negative lengths in MathML and image attributes are clamped; an image that is not one of the
   site's static files becomes a link to it (reading fetches nothing from another host, nor any
   page of this one); external links are marked ``rel="nofollow noopener"``. Nothing touches
   the HTML after this pass.
7. The plain text (for search, snippets, excerpts and e-mails) is collected by the same pass,
   with each formula as the characters it shows ("𝔼[x]=∑ixi"), not its TeX source.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import bleach
import markdown
from bleach import html5lib_shim
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from notes.markup import bounded_markdown, mathml
from notes.markup.bounded_markdown import Meters, RenderRefused
from notes.markup.html_rules import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    BLOCKS_WITH_DIR,
    SITE_ID_SUFFIXES,
    URL_ATTRIBUTES,
    FinalPass,
    Fragment,
    checked_url,
)

# The allowlists, the URL parser and the refusal are part of the renderer's interface.
__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "PREVIEW_ID_PREFIX",
    "SITE_ID_SUFFIXES",
    "URL_ATTRIBUTES",
    "MathProblem",
    "RenderRefused",
    "Rendered",
    "checked_url",
    "comment_id_prefix",
    "note_id_prefix",
    "relative_note_href",
    "render_markdown",
]

_ID_PREFIX_RE = re.compile(r"[a-z][a-z0-9]*-")
# What raw HTML in Markdown starts with: a tag, an end tag, a comment or declaration.
_RAW_HTML_RE = re.compile(r"<[A-Za-z/!?]")

# ---------------------------------------------------------------------------- ids

PREVIEW_ID_PREFIX = "p-"
# For texts rendered outside a note, comment or preview (benchmark data, tests).
DEFAULT_ID_PREFIX = "u-"


def note_id_prefix(pk: int) -> str:
    """What the ids in note ``pk``'s text start with; unique per note on every page."""
    return f"n{int(pk)}-"


def comment_id_prefix(pk: int) -> str:
    """What the ids in comment ``pk``'s text start with."""
    return f"c{int(pk)}-"


def relative_note_href(number: int) -> str:
    """Where ``{N}`` links when the caller names no address for notes: ``N/``, relative to
    the page the text is shown on. The site passes its own (``notes.services.notes.note_href``);
    this is for texts rendered outside it."""
    return f"{int(number)}/"


@dataclass(frozen=True)
class MathProblem:
    """A formula that could not be rendered: what the writer typed, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised HTML, safe to mark_safe in templates
    text: str  # plain text: no tags, math as the characters it shows, whitespace collapsed
    note_refs: frozenset[int]  # the {N} numbers that became links
    math_errors: tuple[MathProblem, ...] = ()  # in the order they stand in the text


def render_markdown(
    source: str,
    *,
    linkable_notes: Callable[[set[int]], set[int]] | None = None,
    note_href: Callable[[int], str] = relative_note_href,
    id_prefix: str = DEFAULT_ID_PREFIX,
    macros: Mapping[str, str] | None = None,
) -> Rendered:
    """Render a note body; see the module docstring for the pipeline.

    ``linkable_notes`` gets every ``{N}`` number found in the text and returns those that may be
    linked; ``None`` links none of them. ``note_href`` gives the address a linked ``{N}``
    points to (the final pass checks it like any other link). ``id_prefix`` starts every id
    the text brings (see ``note_id_prefix``). ``macros`` are the site's TeX macros (the
    ``SITE_MACROS`` setting), name with its backslash to its expansion, defined before the
    text's own. A formula that cannot be converted is shown as source (and listed in
    ``math_errors``), and hostile markup is neutralised by the sanitiser and the final pass;
    raises ``RenderRefused`` (with a message for the author) only for text of a shape that
    would cost far more than its size.
    """
    if not _ID_PREFIX_RE.fullmatch(id_prefix):
        raise ValueError(f"not an id prefix: {id_prefix!r}")
    md, extension = _converter()
    extension.begin(source, linkable_notes, note_href)
    try:
        unsafe_html = md.convert(source)
    except RecursionError:
        # Python-Markdown parses nested blocks recursively; absurdly deep nesting gets the
        # source back as plain preformatted text rather than an error page.
        extension.linked_notes.clear()
        extension.fragments.clear()
        extension.formulas.clear()
        unsafe_html = f"<pre>{html.escape(source)}</pre>"
    math_errors = _convert_formulas(extension, unsafe_html, macros or {})
    # Markdown writes raw HTML through only where the text has a tag-like "<"; without one
    # its output is its own escaped serialisation, which bleach would return unchanged, so
    # the final pass (which enforces the same allowlists) is the only one it needs.
    sanitised = _cleaner().clean(unsafe_html) if _RAW_HTML_RE.search(source) else unsafe_html
    final = FinalPass(id_prefix=id_prefix, fragments=extension.fragments, token=extension.token)
    safe_html, text = final.run(sanitised)
    return Rendered(
        html=safe_html,
        text=text,
        note_refs=frozenset(extension.linked_notes),
        math_errors=math_errors,
    )


def _convert_formulas(
    extension: _PaperNotesExtension, unsafe_html: str, macros: Mapping[str, str]
) -> tuple[MathProblem, ...]:
    """Put each formula's MathML (or its error mark) in its fragment, converting them in the
    order their placeholders stand in the HTML, which is the order of the text."""
    pending = extension.formulas
    if not pending:
        return ()
    order: list[int] = []
    seen: set[int] = set()
    for match in re.finditer(re.escape(extension.token) + r"n([0-9]+)x", unsafe_html):
        number = int(match.group(1))
        if number in pending and number not in seen:
            seen.add(number)
            order.append(number)
    # A formula whose placeholder did not reach the HTML (inside a link's title) still counts.
    order.extend(number for number in pending if number not in seen)
    converted = mathml.convert([pending[n][:2] for n in order], macros=macros)
    problems: list[MathProblem] = []
    for number, result in zip(order, converted, strict=True):
        _tex, _display, source = pending[number]
        if result.mathml is not None:
            markup = result.mathml
        else:
            reason = result.error or "unknown"
            problems.append(MathProblem(source=source, reason=reason))
            # The reason alone (the converter's words): the stored HTML is the same for readers
            # of every language, who see the mark's error style and, in the preview and the
            # editor, a list of the errors in their own language.
            title = html.escape(reason)
            markup = f'<code class="math-error" title="{title}">{html.escape(source)}</code>'
        fragment = Fragment(markup)
        fragment.source = source
        fragment.number = number
        extension.fragments[number] = fragment
    return tuple(problems)


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
        formula = self.owner.formula(display or inline, display=bool(display), source=m.group(0))
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
                    self.owner.formula(tex, display=True, source=source)
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
        if isinstance(text, Fragment) and self.owner.tree_done:
            return self.owner.placeholder(text)
        if self.owner.tree_done:
            self.owner.meters.add_raw_html(str(text))
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
            if element.tag in BLOCKS_WITH_DIR or element.tag in ("td", "th"):
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
            self.owner.meters.add_elements(1)
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
            href = self.owner.note_href(int(note))
            anchor = etree.Element("a", {"href": href, "class": "note-ref"})
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
        self.meters = Meters()
        self.begin("", None, relative_note_href)

    def begin(
        self,
        source: str,
        linkable_notes: Callable[[set[int]], set[int]] | None,
        note_href: Callable[[int], str],
    ) -> None:
        """Start on ``source``: everything that belonged to the text before is forgotten."""
        self.linkable_notes = linkable_notes
        self.note_href = note_href
        self.linked_notes: set[int] = set()
        self.fragments: list[Fragment] = []
        # Formulas waiting for their MathML, by fragment number: TeX, display, source.
        self.formulas: dict[int, tuple[str, bool, str]] = {}
        self.tree_done = False
        self.meters.begin(source)
        # Stands in for a fragment between the Markdown output and the final pass. It depends
        # on the text, so a text cannot contain its own placeholders, and the output is the
        # same every time the text is rendered.
        self.token = "pnf" + hashlib.sha256(source.encode()).hexdigest()[:24]

    def formula(self, tex: str, *, display: bool, source: str) -> Fragment:
        """A formula's fragment; it holds the source until ``_convert_formulas`` gives it its
        MathML (the toc extension reads a heading's fragments before that)."""
        self.meters.add_formula()
        fragment = self.fragment(html.escape(source), source)
        self.formulas[fragment.number] = (tex.strip(), display, source)
        return fragment

    def fragment(self, html: str, source: str) -> Fragment:
        fragment = Fragment(html)
        fragment.source = source
        fragment.number = len(self.fragments)
        self.fragments.append(fragment)
        return fragment

    def placeholder(self, fragment: Fragment) -> str:
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
        bounded_markdown.install(md, self.meters)
        # After html_block (20), so raw HTML is already set aside.
        md.preprocessors.register(_ListIndentPreprocessor(md), "paper_lists", 15)
        # After indented code (80), so an indented formula stays code.
        md.parser.blockprocessors.register(_MathBlockProcessor(md.parser, self), "paper_math", 79.5)
        # After code spans (190), before escapes (180) so ``\(`` and ``\\`` reach us intact.
        md.inlinePatterns.register(
            _MathInlineProcessor(_MATH_INLINE_RE, md, self), "paper_math", 185
        )
        # After inline (20) has built the tree, before prettify (10).
        md.treeprocessors.register(_LinkTreeprocessor(md, self), "paper_links", 12)
        # After toc (5), which renders headings to find their ids.
        md.treeprocessors.register(_TreeDone(md, self), "paper_tree_done", 1)
        md.postprocessors.register(_RawHtmlPostprocessor(md, self), "raw_html", 30)
        fences = md.preprocessors["fenced_code_block"].extension
        for entry in fences.superfences:
            entry["formatter"] = self._highlighted(entry["formatter"])


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
