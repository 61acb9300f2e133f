"""Extreme sizes in math and images are clamped, so a note cannot push or cover the page
(issue 18, item 4, the attribute part; the style sheets contain the rest)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from notes.markup.rendering import render_markdown

# Every length attribute the allowlists allow, with the range (in em) it must stay in.
LENGTHS = {
    ("mspace", "width"): (-1, 20),
    ("mspace", "height"): (0, 20),
    ("mspace", "depth"): (0, 20),
    ("mpadded", "width"): (0, 20),
    ("mpadded", "height"): (0, 20),
    ("mpadded", "depth"): (0, 20),
    ("mpadded", "lspace"): (-1, 5),
    ("mpadded", "voffset"): (-1, 1),
    ("mo", "lspace"): (0, 2),
    ("mo", "rspace"): (0, 2),
    ("mo", "minsize"): (0, 10),
    ("mo", "maxsize"): (0, 10),
    ("mfrac", "linethickness"): (0, 1),
    ("mtable", "columnspacing"): (0, 5),
    ("mtable", "rowspacing"): (0, 5),
    ("mtable", "framespacing"): (0, 5),
}
PER_EM = {"em": 1, "ex": 0.5, "px": 1 / 16, "pt": 1 / 12, "pc": 1, "in": 6, "cm": 6 / 2.54}
PER_EM |= {"mm": 0.6 / 2.54, "mu": 1 / 18, "": 1}


def ems(length: str) -> float:
    match = re.fullmatch(r"([+-]?[0-9.]+)([a-z%]*)", length.strip())
    assert match, length
    return float(match.group(1)) * PER_EM[match.group(2)]


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(source: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Attributes()
    parser.feed(render_markdown(source).html)
    return parser.found


def test_the_reported_payloads_are_clamped() -> None:
    found = elements(
        r"$\hspace{99999em}x$"
        '\n\n<math><mspace width="99999px" height="99999px"></mspace>'
        '<mpadded voffset="-2000px" lspace="-2000px"><mi>x</mi></mpadded></math>'
        '\n\n<img src="/static/a.png" width="100000" height="100000" alt="big">'
    )
    spaces = [attrs for tag, attrs in found if tag == "mspace"]
    assert [s["width"] for s in spaces] == ["20em", "20em"]
    assert spaces[1]["height"] == "20em"
    padded = next(attrs for tag, attrs in found if tag == "mpadded")
    assert (padded["voffset"], padded["lspace"]) == ("-1em", "-1em")
    image = next(attrs for tag, attrs in found if tag == "img")
    assert (image["width"], image["height"]) == ("1200", "1200")


@pytest.mark.parametrize(("tag", "attribute"), sorted(LENGTHS))
@pytest.mark.parametrize(
    "value", ["99999em", "-99999em", "1e9px", "123456789px", "-2000px", "10000%", "5in", "-8cm"]
)
def test_every_length_attribute_stays_in_its_range(tag: str, attribute: str, value: str) -> None:
    low, high = LENGTHS[(tag, attribute)]
    inner = "<mi>x</mi>" if tag not in ("mspace", "mtable") else ""
    if tag == "mfrac":
        inner = "<mi>a</mi><mi>b</mi>"
    if tag == "mtable":
        inner = "<mtr><mtd><mi>x</mi></mtd></mtr>"
    source = f'<math><{tag} {attribute}="{value}">{inner}</{tag}></math>'
    for found_tag, attrs in elements(source):
        if found_tag == tag and attribute in attrs:
            for length in attrs[attribute].split():
                if length.endswith("%"):
                    assert 0 <= float(length[:-1]) / 100 <= high
                else:
                    assert low <= ems(length) <= high, (value, attrs[attribute])


@pytest.mark.parametrize("value", ["2width", "calc(1em)", "1em;x", "NaN", "inf", "1e5em", ""])
def test_lengths_that_cannot_be_read_are_dropped(value: str) -> None:
    found = elements(f'<math><mspace width="{value}"></mspace></math>')
    assert "width" not in next(attrs for tag, attrs in found if tag == "mspace")


def test_ordinary_lengths_are_kept_as_written() -> None:
    found = elements(r"$a\!b\,c\quad d \rule{1cm}{2cm} \big( x \Big)$")
    widths = [attrs["width"] for tag, attrs in found if tag == "mspace"]
    assert widths == ["0.1667em", "1em", "1cm"]
    # \! is a negative margin, which the policy allows only as a class of the style sheet.
    assert [a["class"] for t, a in found if t == "mrow" and "class" in a] == ["tml-kern-n3"]
    assert [a["minsize"] for t, a in found if t == "mo" and "minsize" in a] == ["1.2em", "1.8em"]


def test_font_sizes_that_multiply_down_the_tree_stay_bounded() -> None:
    nested = '<mstyle mathsize="3em">' * 6 + "<mi>x</mi>" + "</mstyle>" * 6
    found = elements(f"<math>{nested}</math>\n\n" + r"$\Huge x$")
    scale = 1.0
    sizes = [attrs["mathsize"] for tag, attrs in found if tag == "mstyle" and "mathsize" in attrs]
    for size in sizes[:6]:
        scale *= ems(size)
        assert scale <= 3.0001
    assert sizes[-1] == "2.4880em"  # \Huge, alone, as Temml writes it


@pytest.mark.parametrize(("value", "kept"), [("0", "0"), ("+1", "+1"), ("3", "3")])
def test_scriptlevel_may_shrink(value: str, kept: str) -> None:
    found = elements(f'<math><mstyle scriptlevel="{value}"><mi>x</mi></mstyle></math>')
    assert next(a for t, a in found if t == "mstyle")["scriptlevel"] == kept


@pytest.mark.parametrize("value", ["-1", "-99", "99", "+99", "1.5"])
def test_scriptlevel_may_not_grow_the_text(value: str) -> None:
    found = elements(f'<math><mstyle scriptlevel="{value}"><mi>x</mi></mstyle></math>')
    assert "scriptlevel" not in next(a for t, a in found if t == "mstyle")


@pytest.mark.parametrize(
    ("written", "width"), [("640", "640"), ("99999999999", None), ("-5", None), ("50%", None)]
)
def test_image_sizes_are_whole_pixels_within_bounds(written: str, width: str | None) -> None:
    found = elements(f'<img src="/static/a.png" width="{written}" alt="x">')
    assert next(a for t, a in found if t == "img").get("width") == width


def test_table_spans_are_bounded() -> None:
    found = elements('<table><tr><td colspan="100000" rowspan="70000">x</td></tr></table>')
    cell = next(a for t, a in found if t == "td")
    assert (cell["colspan"], cell["rowspan"]) == ("100", "100")
