"""Python-Markdown's costly steps, bounded, and the meters that refuse what stays costly.

Python-Markdown walks the rest of a paragraph for every "[" or "](" it cannot match, and its
block tests scan (or split) the whole rest of a block each time another processor takes a line
off it, so "[[[[…" or a run of setext headings took minutes. The replacements here read the same
links and blocks in bounded time. What still costs more than its size is metered as it happens
(see "limits") and refused with ``RenderRefused``, whose message tells the author what to change.
``install`` puts all of them into a Markdown instance.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from typing import Any

import markdown
from markdown.blockprocessors import (
    BlockProcessor,
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteInlineProcessor
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

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
LINK_PROCESSORS = (
    ("reference", 170, _Reference, REFERENCE_RE),
    ("link", 160, _Link, LINK_RE),
    ("image_link", 150, _Image, IMAGE_LINK_RE),
    ("image_reference", 140, _ImageReference, IMAGE_REFERENCE_RE),
    ("short_reference", 130, _ShortReference, REFERENCE_RE),
    ("short_image_ref", 125, _ShortImageReference, IMAGE_REFERENCE_RE),
)


# ---------------------------------------------------------------------------- blocks


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


# ---------------------------------------------------------------------------- limits

# Python-Markdown, Pygments and the sanitiser take time in proportion to the text for ordinary
# notes, but some shapes of text cost far more per character: a run of lines that Markdown takes
# apart a line at a time (a thousand setext headings without a blank line: each step scans and
# copies the rest of the run), a paragraph holding thousands of marks (each match rebuilds the
# paragraph's string), thousands of code blocks (Pygments builds a formatter for each), deeply
# nested raw HTML (html5lib walks the open elements for each tag), or simply tens of thousands of
# elements. The renderer meters these as it goes and refuses the text, with a message saying
# what to change, before the work gets long; an ordinary note of the largest size stays well
# inside every limit. The render's CPU budget (notes.markup.render_worker) still bounds whatever
# shape
# these do not foresee.


class RenderRefused(Exception):
    """The text is of a shape the renderer does not take on; ``message`` says which, in
    English. ``code`` names the limit and ``params`` its numbers and excerpt, so that whoever
    shows the refusal can say it in the reader's language (this package knows no languages).
    """

    def __init__(
        self, message: str, *, code: str = "", params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = dict(params or {})


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


class Meters:
    """What the text being rendered has cost so far, checked against the limits as it grows.

    One per Markdown instance; ``begin`` starts it on a new text."""

    def __init__(self) -> None:
        self.begin("")

    def begin(self, source: str) -> None:
        self.source = source
        self.block_work = 0
        self.inline_work = 0
        self.elements = 0
        self.formulas = 0
        self.raw_depth = 0

    def add_formula(self) -> None:
        self.formulas += 1
        if self.formulas > MAX_FORMULAS:
            raise RenderRefused(
                f"This text has more than {MAX_FORMULAS:,} formulas; split it into several notes.",
                code="formulas",
                params={"most": MAX_FORMULAS},
            )
        self.add_elements(1)

    def add_elements(self, count: int) -> None:
        self.elements += count
        if self.elements > MAX_ELEMENTS:
            raise RenderRefused(
                f"This text would make more than {MAX_ELEMENTS:,} HTML elements (headings, list "
                "items, links, formulas, emphasis…), more than a note may have. Split it into "
                "several notes.",
                code="elements",
                params={"most": MAX_ELEMENTS},
            )

    def add_raw_html(self, html: str) -> None:
        """The tags of a piece of raw HTML (in the order of the text): as elements, and how
        deeply they nest."""
        tags = 0
        for end, name, closed in _RAW_TAG_RE.findall(html):
            tags += 1
            if end:
                self.raw_depth = max(0, self.raw_depth - 1)
            elif not closed and name.lower() not in _RAW_VOID_TAGS:
                self.raw_depth += 1
                if self.raw_depth > MAX_RAW_HTML_DEPTH:
                    raise RenderRefused(
                        f"The raw HTML in this text nests more than {MAX_RAW_HTML_DEPTH} "
                        "elements deep; close the tags it opens.",
                        code="raw_html_depth",
                        params={"most": MAX_RAW_HTML_DEPTH},
                    )
        self.add_elements(tags)

    def add_block_work(self, block: str) -> None:
        self.block_work += len(block)
        if self.block_work > MAX_BLOCK_WORK:
            raise RenderRefused(
                "This text has long runs of lines without a blank line between them (around "
                f"{_excerpt(block)}), which Markdown takes apart line by line and which would "
                "take too long to render. Put blank lines between its headings, paragraphs and "
                "lists.",
                code="block_work",
                params={"excerpt": _excerpt(block)},
            )

    def add_inline_work(self, characters: int) -> None:
        self.inline_work += characters
        if self.inline_work > MAX_INLINE_WORK:
            longest = max(re.split(r"\n\s*\n", self.source), key=len)
            raise RenderRefused(
                "A paragraph of this text holds so many links, formulas, marks or backslashes "
                "that it would take too long to render (the longest starts "
                f"{_excerpt(longest)}). Break it up with blank lines.",
                code="inline_work",
                params={"excerpt": _excerpt(longest)},
            )


class _FenceLimitPreprocessor(Preprocessor):
    """Counts code fences before the fenced-code extension builds a block for each."""

    def run(self, lines: list[str]) -> list[str]:
        fences = len(_FENCE_LINE_RE.findall("\n".join(lines)))
        if fences > MAX_CODE_FENCES:
            raise RenderRefused(
                f"This text has {fences:,} code fence lines (``` or ~~~); the most a note may "
                f"have is {MAX_CODE_FENCES:,}. Split it into several notes.",
                code="code_fences",
                params={"fences": fences, "most": MAX_CODE_FENCES},
            )
        return lines


class _BlockMeter(BlockProcessor):
    """The first block processor: takes no block, but counts the characters of every block the
    parser looks at. Each look costs about that much (several processors scan the whole block,
    and taking a line off it copies the rest), so the count is the block parser's work."""

    def __init__(self, parser: Any, meters: Meters) -> None:
        super().__init__(parser)
        self.meters = meters

    def test(self, parent: etree.Element, block: str) -> bool:
        self.meters.add_block_work(block)
        return False

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        return False


class _MeteredInlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, counting the characters it copies, and skipping texts
    that no inline pattern can match.

    Each inline match rebuilds the string of the paragraph it is in, so a long paragraph full of
    marks costs its length times its matches. Python-Markdown keeps these steps in private
    methods; the overrides call them unchanged.
    """

    def __init__(self, md: markdown.Markdown, meters: Meters) -> None:
        super().__init__(md)
        self.meters = meters

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
            self.meters.add_inline_work(len(data))
        return result


class _ElementMeter(Treeprocessor):
    """After inline processing: the elements the rest of the pipeline would handle."""

    def __init__(self, md: markdown.Markdown, meters: Meters) -> None:
        super().__init__(md)
        self.meters = meters

    def run(self, root: etree.Element) -> None:
        self.meters.add_elements(sum(1 for _ in root.iter()))


# ---------------------------------------------------------------------------- install


def install(md: markdown.Markdown, meters: Meters) -> None:
    """Put the bounded processors and the meters into ``md`` (built with the tables and
    footnotes extensions), in place of Python-Markdown's own."""
    # Before fenced code (25) builds its blocks.
    md.preprocessors.register(_FenceLimitPreprocessor(md), "paper_fence_limit", 26)
    # Before every other block processor, so it sees every block looked at.
    md.parser.blockprocessors.register(_BlockMeter(md.parser, meters), "paper_meter", 1000)
    table = md.parser.blockprocessors["table"]
    md.parser.blockprocessors.register(_TableProcessor(md.parser, table.config), "table", 75)
    md.parser.blockprocessors.register(_HashHeaderProcessor(md.parser), "hashheader", 70)
    md.parser.blockprocessors.register(_SetextHeaderProcessor(md.parser), "setextheader", 60)
    md.parser.blockprocessors.register(_HRProcessor(md.parser), "hr", 50)
    md.parser.blockprocessors.register(_BlockQuoteProcessor(md.parser), "quote", 20)
    footnote_blocks = md.parser.blockprocessors["footnote"].footnotes
    md.parser.blockprocessors.register(_FootnoteBlockProcessor(footnote_blocks), "footnote", 17)
    md.parser.blockprocessors.register(_ReferenceProcessor(md.parser), "reference", 15)
    for name, priority, processor, pattern in LINK_PROCESSORS:
        md.inlinePatterns.register(processor(pattern, md), name, priority)
    footnotes = md.inlinePatterns["footnote"].footnotes
    md.inlinePatterns.register(FootnoteInlineProcessor(_FOOTNOTE_RE, footnotes), "footnote", 175)
    md.treeprocessors.register(_MeteredInlineProcessor(md, meters), "inline", 20)
    # Right after inline (20), before anything else handles the elements.
    md.treeprocessors.register(_ElementMeter(md, meters), "paper_element_meter", 19)
