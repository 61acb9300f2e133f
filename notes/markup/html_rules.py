"""The rules every HTML we store follows: the allowlists, and the final pass that enforces them.

``notes.markup.rendering`` turns a text into HTML and has bleach sanitise its raw HTML; the final
pass
here then reads the result with a strict parser and writes it out again, escaping everything it
writes, so a browser reads exactly what was checked. It has the last word (pipeline step 6 in
``notes.markup.rendering``): every element and attribute is checked against the allowlists again and
every end tag must close an element the text opened; every URL attribute is read by our own URL
parser (``checked_url``); ids are prefixed per text and links to them rewritten; extreme lengths
in MathML and image attributes are clamped; images that are not among the site's static files
become links; external links get ``rel``; and the plain text is collected on the way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from types import MappingProxyType
from urllib.parse import unquote

from bleach.sanitizer import INVISIBLE_CHARACTERS_RE
from pygments.token import STANDARD_TYPES

from notes.markup.mathml import STYLE_CLASSES

# ---------------------------------------------------------------------------- allowlists

_HTML_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "kbd", "li", "mark", "ol", "p",
        "pre", "s", "samp", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul", "var",
    }
)  # fmt: skip


# Presentation MathML, as Temml (notes.markup.mathml) writes it, plus the few elements people
# type by hand.
MATHML_TAGS = frozenset(
    {
        "annotation", "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo",
        "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt",
        "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder",
        "munderover", "none", "semantics",
    }
)  # fmt: skip

ALLOWED_TAGS: frozenset[str] = _HTML_TAGS | MATHML_TAGS

BLOCKS_WITH_DIR = ("blockquote", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "li", "p")
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
for _tag in BLOCKS_WITH_DIR:
    _attributes[_tag] = _attributes.get(_tag, frozenset()) | {"dir"}

# Temml's classes, each given its meaning by the math section of static/css/site.css, and the
# classes its inline styles become; allowed on MathML elements only.
MATH_CLASSES: frozenset[str] = frozenset(
    {
        "tml-right", "tml-left", "tml-jot", "tml-small", "tml-tageqn", "tml-tag", "tml-label",
        "tml-sml-pad", "tml-med-pad", "tml-lrg-pad", "tml-shift-left", "tml-overline",
        "tml-underline", "tml-fbox", "tml-cancel", "upstrike", "downstrike", "sout",
        "tml-tilde-2", "tml-tilde-3", "tml-tilde-4", "tml-hat-1", "tml-hat-2", "tml-hat-3",
        "tml-hat-4", "tml-xcancel", "tml-vec", "tml-eqn", "chr-sml", "chr-med", "chr-lrg",
        "chr-sml-vec", "chr-med-vec", "chr-lrg-vec", "wbk-acc", "wbk-vec", "wbk-sml",
        "wbk-sml-acc", "wbk-sml-vec", "wbk-med", "wbk-med-acc", "wbk-med-vec", "wbk-lrg",
        "wbk-lrg-acc", "wbk-lrg-vec",
    }
    | STYLE_CLASSES
)  # fmt: skip
# MathML Core's attributes of every element (but the hosting ones), and the class.
_MATH_GLOBAL_ATTRS = frozenset(
    {"class", "displaystyle", "scriptlevel", "mathcolor", "mathbackground"}
)
for _tag in MATHML_TAGS - {"math", "annotation", "semantics"}:
    _attributes[_tag] = _attributes.get(_tag, frozenset()) | _MATH_GLOBAL_ATTRS

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

EXTERNAL_REL = "nofollow noopener"
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
_SAFE_ID_RE = re.compile(r"[\w:.\-]{1,128}")

# The site's own ids that start like a text's prefix: a note's body is ``n<pk>-body`` and the
# replies under a comment ``c<pk>-replies`` (see the templates). A text's id with one of these
# names gets a trailing underscore, so that it can never equal them.
SITE_ID_SUFFIXES: frozenset[str] = frozenset({"body", "replies"})


class Fragment(str):
    """HTML that our own code made (a formula's MathML, highlighted code) in Markdown's raw-HTML
    stash. It bypasses bleach (see ``notes.markup.rendering``) and is checked by the final pass.
    ``source`` is what the writer typed, ``number`` its place in the render's fragments."""

    source: str
    number: int


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


class FinalPass(HTMLParser):
    """Reads the sanitised HTML and writes it out again under our own rules (pipeline step 6).

    Everything it writes is escaped by it, so a browser reads exactly what it checked.
    """

    def __init__(self, *, id_prefix: str, fragments: list[Fragment], token: str = "") -> None:
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
        if tag in MATHML_TAGS:
            kept = self._math_sizes(tag, kept)
        if tag == "a":
            self.link_depth += 1
            kept = [(name, value) for name, value in kept if name != "rel"]
            if any(name == "href" and _is_web_address(value) for name, value in kept):
                kept.append(("rel", EXTERNAL_REL))
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
        if tag in MATHML_TAGS and self.math_scales:
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
        # A formula's text is what it shows (its letters, digits and symbols), never the
        # TeX source kept in its annotation: snippets, excerpts and e-mails read it.
        if not self.skip_depth and not self.annotation_depth:
            self.text.append(data)

    def _fragment(self, number: int) -> None:
        if number >= len(self.fragments):
            return
        fragment = self.fragments[number]
        if (done := self.fragment_cache.get(fragment)) is None:
            # Fragments are whole elements, checked by a pass of their own; the same formula
            # written many times is checked once.
            inner = FinalPass(id_prefix=self.id_prefix, fragments=[])
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
            allowed = MATH_CLASSES if tag in MATHML_TAGS or self.math_depth else ALLOWED_CLASSES
            return " ".join(c for c in value.split() if c in allowed) or None
        if name == "dir":
            return value if value in _DIRECTIONS else None
        if name == "xmlns":
            return value if value == MATHML_NAMESPACE else None
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
            link.append(("rel", EXTERNAL_REL))
        self._start("a", link)
        self._data(label)
        self.out.append("</a>")
