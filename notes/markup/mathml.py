"""TeX to MathML: Temml, run in an embedded V8, and what we make of its output.

Temml (``notes/vendor/temml/``, MIT, with its mhchem extension for ``\\ce``) is a descendant
of KaTeX that writes MathML only; it covers what KaTeX covers (``aligned``, ``cases``, the
``matrix`` family, ``array``, ``\\operatorname``, ``\\boldsymbol``, ``\\xrightarrow``,
``\\tag``, ``\\not``, …). It runs in a V8 isolate of the mini-racer wheel, inside this
process: the renderer lives in the render child (``notes.markup.render_worker``), which bounds every
render's CPU time, so the isolate is created once per child (on its first formula) and reused
for every formula after. All of a text's formulas go to V8 in one call, which has a wall-clock
limit of its own; should it pass it, each formula is tried alone with a limit of its own, so
that the one that runs away becomes an error mark. Nothing is fetched: the scripts are read
from the checkout.

A note's formulas are converted in the order they stand in the text, sharing one set of
macros: the site's own (``SITE_MACROS`` in the settings), then what the note defines. A
definition (``\\newcommand``, ``\\renewcommand``, ``\\def``, ``\\gdef``, ``\\let``) made at the top
level of a formula holds for every formula after it in the same text, as in a LaTeX document.

Temml writes a few presentational ``style`` attributes. The site's Content-Security-Policy allows
no inline style, so ``_restyle`` turns the ones that matter into classes that
``static/css/site.css`` defines (or into MathML's own ``mathcolor``/``mathbackground``) and drops
the rest. The MathML then goes through the renderer's final pass like any other HTML.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
_VENDOR = Path(__file__).resolve().parent / "vendor" / "temml"
# Temml, then its chemistry extension (\ce, \pu), which defines its macros in it.
SCRIPTS = (_VENDOR / "temml.min.js", _VENDOR / "mhchem.js")

# One formula's wall-clock limit in V8, and the JavaScript heap the isolate may use.
FORMULA_SECONDS = 1.0
_HEAP_BYTES = 256 * 1024**2
# Macro expansions one formula may make (Temml's own default is 1000): "\def\a{\a\a}" and its
# kin stop here with an error instead of filling the heap.
_MAX_EXPAND = 2000
# Temml's size limits for \rule, \kern and the like, in em and pt.
_MAX_SIZE = (20, 200)
# Converted formulas kept for the next texts (see ``_Engine.cache``).
_CACHE_SIZE = 4096
# The wall-clock limit of one call converting all of a text's formulas.
_BATCH_SECONDS = 10.0
# Formulas longer than this are not converted; no real formula comes near it.
MAX_FORMULA_CHARS = 20_000

_DEFINES_RE = re.compile(r"\\(?:newcommand|renewcommand|providecommand|def|gdef|edef|xdef|let)\b")
_MESSAGE_POSITION_RE = re.compile(r"\s+at (?:position \d+|end of input).*", re.DOTALL)

# The JavaScript side: one set of macros per text (``begin``), a formula at a time (``one``);
# ``renderAll`` does a whole text in one call.
_GLUE = (
    """
var papernotes = (function () {
  var macros = {};
  function options(display) {
    return {
      displayMode: display, annotate: true, throwOnError: true, trust: false, strict: false,
      macros: macros, maxExpand: MAX_EXPAND, maxSize: [MAX_EM, MAX_PT],
      colorIsTextColor: false
    };
  }
  function reason(error) {
    if (error instanceof temml.ParseError) { return String(error.message); }
    if (error instanceof RangeError) { return "The formula is nested too deeply."; }
    return "The formula could not be converted.";
  }
  function begin(site) {
    macros = {};
    for (var name in site) { macros[name] = site[name]; }
    return true;
  }
  // One formula: its MathML or the reason it has none. Its definitions were made global
  // (``_globalised``), so they stay in ``macros`` for the formulas after it.
  function one(tex, display) {
    try { return [temml.renderToString(tex, options(display)), null]; }
    catch (error) { return [null, reason(error)]; }
  }
  return {
    begin: begin,
    one: one,
    renderAll: function (site, items) {
      begin(site);
      var answers = [];
      for (var i = 0; i < items.length; i++) {
        answers.push(one(items[i][0], items[i][1]));
      }
      return answers;
    }
  };
})();
""".replace("MAX_EXPAND", str(_MAX_EXPAND))
    .replace("MAX_EM", str(_MAX_SIZE[0]))
    .replace("MAX_PT", str(_MAX_SIZE[1]))
)


@dataclass(frozen=True)
class Converted:
    """One formula's MathML, or why it has none (a message for its author)."""

    mathml: str | None
    error: str | None


class _Engine:
    """A V8 isolate with Temml loaded; made once per process, on first use."""

    def __init__(self) -> None:
        from py_mini_racer import MiniRacer

        self.context = MiniRacer()
        self.context.set_hard_memory_limit(_HEAP_BYTES)
        for script in SCRIPTS:
            self.context.eval(script.read_text(encoding="utf-8"))
        self.context.eval(_GLUE)
        # What formulas became under the site's macros alone, by (TeX, display, macros): a
        # text that repeats a formula, or the next text, converts it once. Once a text has
        # defined something of its own, its formulas are neither looked up nor kept here.
        self.cache: dict[tuple[str, bool, tuple[tuple[str, str], ...]], Converted] = {}

    def convert(
        self, formulas: Sequence[tuple[str, bool]], macros: Mapping[str, str]
    ) -> list[Converted]:
        site_key = tuple(sorted(macros.items()))
        results: list[Converted | None] = [None] * len(formulas)
        # What goes to V8, in the text's order: index, TeX as sent, display, defines.
        batch: list[tuple[int, str, bool, bool]] = []
        keys: dict[int, tuple[str, bool, tuple[tuple[str, str], ...]]] = {}
        own_definitions = False
        # A formula written again before any definition of the text's own is sent once.
        sent_first: dict[tuple[str, bool, tuple[tuple[str, str], ...]], int] = {}
        repeats: list[tuple[int, int]] = []
        for index, (tex, display) in enumerate(formulas):
            if len(tex) > MAX_FORMULA_CHARS:
                results[index] = Converted(None, "The formula is too long.")
                continue
            defines = _DEFINES_RE.search(tex) is not None
            own_definitions = own_definitions or defines
            if not own_definitions:
                key = keys[index] = (tex, display, site_key)
                if (known := self.cache.get(key)) is not None:
                    results[index] = known
                    continue
                if (first := sent_first.get(key)) is not None:
                    repeats.append((index, first))
                    continue
                sent_first[key] = index
            batch.append((index, _globalised(tex) if defines else tex, display, defines))
        if batch:
            for (index, _sent, _display, _defines), answer in zip(
                batch, self._run(batch, macros), strict=True
            ):
                result = _converted(answer, tex=formulas[index][0])
                results[index] = result
                if (key := keys.get(index)) is not None:
                    if len(self.cache) >= _CACHE_SIZE:
                        self.cache.pop(next(iter(self.cache)))  # the oldest entry
                    self.cache[key] = result
        for index, first in repeats:
            results[index] = results[first]
        return [result or Converted(None, "unknown") for result in results]

    def _run(
        self, batch: list[tuple[int, str, bool, bool]], macros: Mapping[str, str]
    ) -> list[tuple[str | None, str | None]]:
        """Temml's answers for a text's formulas: one call into V8 for all of them (a call
        costs more than converting a formula), or, should that pass its time, one call each,
        so that only the formula that runs away loses its MathML."""
        from py_mini_racer import JSEvalException

        items = [[sent, display] for _index, sent, display, _defines in batch]
        seconds = min(FORMULA_SECONDS * len(items), _BATCH_SECONDS)
        try:
            answers = self.context.call(
                "papernotes.renderAll", dict(macros), items, timeout_sec=seconds
            )
            return [(markup, error) for markup, error in answers]
        except JSEvalException:  # out of time, or of heap: each alone, within its own limits
            pass
        self.context.call("papernotes.begin", dict(macros))
        answers = []
        for sent, display in items:
            try:
                answers.append(
                    tuple(
                        self.context.call(
                            "papernotes.one", sent, display, timeout_sec=FORMULA_SECONDS
                        )
                    )
                )
            except JSEvalException as exc:  # a timeout, or the heap limit
                answers.append((None, _engine_failure(exc)))
        return answers


def _converted(answer: tuple[str | None, str | None], *, tex: str) -> Converted:
    markup, error = answer
    if markup is None:
        return Converted(None, _clean_message(error or ""))
    try:
        return Converted(_restyle(markup, tex=tex), None)
    except etree.ParseError:
        return Converted(None, "The formula could not be converted.")


_DEFINITION_RE = re.compile(
    r"(?P<global>\\global\s*)?\\(?P<kind>newcommand|renewcommand|def|let)(?![A-Za-z])\*?"
)
_NAME_RE = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+|\\.)\s*\}|(\\[A-Za-z]+|\\.))")
_ARITY_RE = re.compile(r"\s*\[\s*([1-9])\s*\]")


def _globalised(tex: str) -> str:
    """``tex`` with its definitions made global, so that they hold for the formulas after it:
    ``\\def`` becomes ``\\gdef``, ``\\let`` ``\\global\\let``, and ``\\newcommand{\\x}[2]{…}``
    (or ``\\renewcommand``) ``\\gdef\\x#1#2{…}``. The writer's own text stays the annotation.
    A note may so define a command the site already defines, as papers do with ``\\R``. A
    definition it cannot read is left as written (it then holds for its own formula only)."""
    out: list[str] = []
    position = 0
    for match in _DEFINITION_RE.finditer(tex):
        if match.start() < position or match.group("global"):
            continue
        kind = match.group("kind")
        out.append(tex[position : match.start()])
        position = match.end()
        if kind == "def":
            out.append("\\gdef")
        elif kind == "let":
            out.append("\\global\\let")
        elif (made := _as_gdef(tex, match.end())) is not None:
            replacement, position = made
            out.append(replacement)
        else:
            out.append(match.group(0))
    out.append(tex[position:])
    return "".join(out)


def _as_gdef(tex: str, start: int) -> tuple[str, int] | None:
    """``\\newcommand``'s arguments from ``start`` as a ``\\gdef``, and where they end."""
    name = _NAME_RE.match(tex, start)
    if name is None:
        return None
    position = name.end()
    arity = 0
    if (count := _ARITY_RE.match(tex, position)) is not None:
        arity = int(count.group(1))
        position = count.end()
    while position < len(tex) and tex[position].isspace():
        position += 1
    if position >= len(tex) or tex[position] != "{":
        return None  # an optional argument's default, or no body: left as written
    depth = 0
    index = position
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                body = tex[position : index + 1]
                params = "".join(f"#{n}" for n in range(1, arity + 1))
                return f"\\gdef{name.group(1) or name.group(2)}{params}{body}", index + 1
        index += 1
    return None


def _engine_failure(exc: Exception) -> str:
    from py_mini_racer import JSTimeoutException

    if isinstance(exc, JSTimeoutException):
        return f"The formula took longer than {FORMULA_SECONDS:g} s to convert."
    return "The formula needs more memory than a formula may use."


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def prepare() -> None:
    """Make the V8 isolate now rather than on the first formula (the render child does, before
    it takes its first text, so that no render pays for it)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()


def convert(formulas: Sequence[tuple[str, bool]], *, macros: Mapping[str, str]) -> list[Converted]:
    """MathML for each ``(tex, display)`` in order, the definitions of each formula holding for
    those after it, starting from ``macros`` (name with its backslash to its expansion)."""
    global _engine
    if not formulas:
        return []
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
        try:
            return _engine.convert(formulas, macros)
        except Exception:
            # The isolate is in a state we do not know (it ran out of memory between calls):
            # the next text gets a new one.
            _engine = None
            raise


def _clean_message(message: str) -> str:
    """Temml's error message without its prefix and the copy of the formula it points into."""
    text = message.strip()
    text = text.removeprefix("ParseError:").strip()
    text = _MESSAGE_POSITION_RE.sub("", text).strip()
    return text[:200] or "The formula could not be converted."


# ---------------------------------------------------------------------------- styles

# Each style declaration Temml writes that the page needs, and the class it becomes (see the
# math section of static/css/site.css). Any other declaration is dropped.
_STYLE_CLASSES: Mapping[tuple[str, str], str] = {
    ("padding-left", "0"): "tml-pl0",
    ("padding-left", "0em"): "tml-pl0",
    ("padding-left", "1em"): "tml-pl1",
    ("padding-right", "0"): "tml-pr0",
    ("padding-right", "0em"): "tml-pr0",
    ("padding-right", "1em"): "tml-pr1",
    ("padding-right", "0.4em"): "tml-pr-sep",
    ("padding", "0"): "tml-p0",
    ("padding-top", "0"): "tml-pv0",
    ("padding-bottom", "0"): "tml-pv0",
    ("width", "100%"): "tml-wide",
    ("width", "50%"): "tml-glue",
    ("width", "7.5%"): "tml-glue-narrow",
    ("text-align", "left"): "tml-left",
    ("font-weight", "bold"): "tml-bold",
    ("border-top", "0.06em solid"): "tml-bt",
    ("border-top", "0.06em dashed"): "tml-bt-dashed",
    ("border-top", "0.15em double"): "tml-bt-double",
    ("border-bottom", "0.06em solid"): "tml-bb",
    ("border-bottom", "0.06em dashed"): "tml-bb-dashed",
    ("border-bottom", "0.15em double"): "tml-bb-double",
    ("border-left", "0.06em solid"): "tml-bl",
    ("border-left", "0.06em dashed"): "tml-bl-dashed",
    ("border-right", "0.06em solid"): "tml-br",
    ("border-right", "0.06em dashed"): "tml-br-dashed",
    ("border", "1px solid"): "tml-fbox",
    ("padding", "3pt"): "tml-fbox",
}
_STYLE_ATTRIBUTES = {"color": "mathcolor", "background-color": "mathbackground"}
# Chromium draws MathML Core, which has no mathcolor or mathbackground: the colours of LaTeX's
# and xcolor's usual names (as Temml writes them) are classes too, "tml-c-red" for a text
# colour and "tml-bg-red" for a background. Other colours show in Firefox and Safari only.
PALETTE: Mapping[str, str] = {
    "#ff0000": "red", "#00ff00": "green", "#0000ff": "blue", "#00ffff": "cyan",
    "#ff00ff": "magenta", "#ffff00": "yellow", "black": "black", "#000000": "black",
    "#808080": "gray", "#ff8000": "orange", "#bf0040": "purple", "#bf8040": "brown",
    "#007f7f": "teal", "#7f7f00": "olive", "#800080": "violet", "#ff7f7f": "pink",
    "#bfff00": "lime", "#404040": "darkgray", "#c0c0c0": "lightgray", "white": "white",
    "#ffffff": "white",
}  # fmt: skip
_COLOUR_CLASS_PREFIX = {"color": "tml-c-", "background-color": "tml-bg-"}
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}")
_EM_RE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)em")
# Negative spaces (\!, \negmedspace, \kern-2mu, …) are a negative left margin, in mu (1/18
# em), up to 1 em: "tml-kern-n3" is -3mu.
_KERN_CLASSES = tuple(f"tml-kern-n{n}" for n in range(1, 19))
STYLE_CLASSES: frozenset[str] = (
    frozenset(_STYLE_CLASSES.values())
    | frozenset(_KERN_CLASSES)
    | {prefix + name for prefix in _COLOUR_CLASS_PREFIX.values() for name in PALETTE.values()}
)


def _kern_class(value: str) -> str | None:
    if not _EM_RE.fullmatch(value) or not value.startswith("-"):
        return None
    mu = round(-float(value[:-2]) * 18)
    return _KERN_CLASSES[min(max(mu, 1), 18) - 1]


def _restyle(markup: str, *, tex: str) -> str:
    """Temml's MathML with its ``style`` attributes turned into classes and MathML colours, and
    ``tex`` (what the writer typed) as its annotation."""
    root = etree.fromstring(markup)  # noqa: S314 - Temml's output, not the writer's XML
    for element in root.iter():
        if element.tag == "annotation":
            element.text = tex
        style = element.attrib.pop("style", None)
        if not style:
            continue
        classes = element.get("class", "").split()
        for declaration in style.split(";"):
            name, _, value = declaration.partition(":")
            name, value = name.strip().lower(), " ".join(value.split())
            if (made := _STYLE_CLASSES.get((name, value))) is not None:
                if made not in classes:
                    classes.append(made)
            elif name == "margin-left" and (kern := _kern_class(value)) is not None:
                classes.append(kern)
            elif (attribute := _STYLE_ATTRIBUTES.get(name)) and _COLOR_RE.fullmatch(value):
                element.set(attribute, value)
                if (colour := PALETTE.get(value.lower())) is not None:
                    classes.append(_COLOUR_CLASS_PREFIX[name] + colour)
        if classes:
            element.set("class", " ".join(classes))
    # "tml-display" and the style of a display formula: its display attribute says it.
    display = root.get("display", "inline")
    root.attrib.clear()
    root.attrib.update({"xmlns": MATHML_NAMESPACE, "display": display})
    return etree.tostring(root, encoding="unicode", short_empty_elements=False)
