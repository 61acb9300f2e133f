"""The renderer's bounded parts do what Python-Markdown's own do, and its limits refuse the
texts they are for with a message that says what to change.

Pure-function tests: no database.
"""

from __future__ import annotations

import re

import markdown
import pytest
from markdown.extensions import Extension

from notes.markup import bounded_markdown, rendering
from notes.markup.rendering import RenderRefused, render_markdown
from tests.corpora import naughty_strings, xss_list_names, xss_payloads
from tests.texts import ordinary_note, scaled

# ---------------------------------------------------------------------------- link scanners

LINKS = [
    "[a](b)",
    "[a](<b c>)",
    '[a](b "title")',
    "[a](b 'title')",
    '[a](b "title" )',
    "[a](https://en.wikipedia.org/wiki/Foo_(bar)) after)",
    "[a](https://e.org/((nested)) more)",
    "[a [b] c](d) and [[x]](y)",
    '![img](src.png "t")',
    "![img [alt]](src.png)",
    '[t](link"notitle)',
    "[t](link 'a \"b\" c')",
    "[a](b) [c](d) [e](f)",
    "[a][r] and [r] and [A][] and ![i][r]\n\n[r]: /x 'T'",
    "[a](",
    "[[[[a]]]](b)",
    "[a]( b )",
    "[unclosed](b and [closed](c)",
]


class _Bounded(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        for name, priority, processor, pattern in bounded_markdown.LINK_PROCESSORS:
            md.inlinePatterns.register(processor(pattern, md), name, priority)


@pytest.mark.parametrize("source", LINKS)
def test_the_bounded_link_scanners_read_links_as_python_markdown_does(source: str) -> None:
    assert markdown.markdown(source, extensions=[_Bounded()]) == markdown.markdown(source)


def test_link_texts_nest_up_to_a_depth_no_real_link_reaches() -> None:
    deep = "[" * 9 + "a" + "]" * 9 + "(b)"
    deeper = "[" * 12 + "a" + "]" * 12 + "(b)"
    assert markdown.markdown(deep, extensions=[_Bounded()]) == markdown.markdown(deep)
    assert "<a" not in markdown.markdown(deeper, extensions=[_Bounded()])


# ---------------------------------------------------------------------------- bleach or not


def _texts_without_raw_html() -> list[str]:
    texts = [ordinary_note(30_000)[0]]
    texts += naughty_strings()
    for name in sorted(xss_list_names()):
        texts += xss_payloads(name)
    return [text for text in texts if not rendering._RAW_HTML_RE.search(text)]


def test_skipping_bleach_without_raw_html_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Markdown's output of a text without a tag-like "<" is its own escaped serialisation, so
    # bleach has nothing to take out of it: the stored HTML is the same with bleach or without.
    texts = _texts_without_raw_html()
    assert len(texts) > 500
    plain = [render_markdown(text, linkable_notes=lambda n: n) for text in texts]
    monkeypatch.setattr(rendering, "_RAW_HTML_RE", re.compile(""))  # bleach every text
    bleached = [render_markdown(text, linkable_notes=lambda n: n) for text in texts]
    assert [r for r in plain if r not in bleached] == []


# ---------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (scaled("```\n", 20_000), "5,000 code fence lines"),
        (scaled("a\n=\n", 200_000), "long runs of lines without a blank line"),
        (scaled("\\(a", 200_000), "too long to render (the longest starts “\\(a\\(a"),
        (scaled("# a\n\n", 200_000), "more than 20,000 HTML elements"),
        (scaled("$a$ ", 40_000), "more than 5,000 formulas"),
        (scaled("<sup>", 20_000), "nests more than 100 elements deep"),
        (scaled("{1} ", 200_000), "more than 20,000 HTML elements"),
    ],
    ids=["fences", "block runs", "inline marks", "elements", "formulas", "raw depth", "links"],
)
def test_each_limit_refuses_its_shape_saying_what_to_change(source: str, message: str) -> None:
    with pytest.raises(RenderRefused) as refused:
        render_markdown(source, linkable_notes=lambda numbers: numbers)
    assert message in refused.value.message


def test_an_ordinary_note_of_the_largest_size_is_inside_every_limit() -> None:
    body, sections = ordinary_note(200_000)
    rendered = render_markdown(body + "\n\n<kbd>raw</kbd>", linkable_notes=lambda n: n)
    assert rendered.html.count('class="highlight"') == sections


# ---------------------------------------------------------------------------- reuse


def test_a_reused_converter_forgets_the_text_before() -> None:
    # Each thread reuses one Markdown instance; nothing of a text (references, footnotes,
    # formulas, code, refusals) may show in the next. Every text renders the same after any
    # other as it does on a fresh instance.
    texts = [
        "[r]: https://example.org/r\n\n[^1]: A footnote.\n\nSee [x][r] and [^1], $x^2$.",
        "Uses [x][r] and [^1] without defining them.",
        ordinary_note(20_000)[0],
        scaled("a\n=\n", 200_000),  # refused half way through
        "```python\nx = 1\n```\n\n# Title\n\n$$y$$",
        *naughty_strings()[::7],
        *xss_payloads("XSS_Polyglots.txt"),
    ]

    def render_all() -> list[object]:
        results: list[object] = []
        for text in texts:
            try:
                results.append(render_markdown(text, linkable_notes=lambda n: n))
            except RenderRefused as refused:
                results.append(refused.message)
        return results

    reused = render_all()
    fresh = []
    for text in texts:
        rendering._converters.__dict__.clear()
        try:
            fresh.append(render_markdown(text, linkable_notes=lambda n: n))
        except RenderRefused as refused:
            fresh.append(refused.message)
    assert reused == fresh
    assert "example.org/r" not in reused[1].html and "fn:1" not in reused[1].html
