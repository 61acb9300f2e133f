"""The Markdown renderer: features, and that nothing dangerous survives it.

Pure-function tests: no database. The corpus tests push every string of the Big List of Naughty
Strings and of the PayloadsAllTheThings XSS lists through the renderer and check the output
with an independent HTML parser against the renderer's own allowlists, plus a hard-coded list of
elements that must never appear whatever the allowlists say.
"""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser

import pytest

from notes.markup.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    Rendered,
    render_markdown,
)
from tests.corpora import naughty_strings, xss_list_names, xss_payloads

XSS_LISTS = [
    "BRUTELOGIC-XSS-STRINGS.txt",
    "IntrudersXSS.txt",
    "JHADDIX_XSS.txt",
    "MarioXSSVectors.txt",
    "RSNAKE_XSS.txt",
    "XSSDetection.txt",
    "XSS_Polyglots.txt",
    "port_swigger_xss_cheatsheet_event_handlers.txt",
    "xss_payloads_quick.txt",
]
BLNS_CHUNKS = 8

# Whatever the allowlists say, these must never come out of the renderer.
FORBIDDEN_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "input", "svg", "link", "meta", "base"}
)
FORBIDDEN_URL_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = frozenset({"href", "src", "xlink:href", "action", "formaction", "background"})
URL_JUNK = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


def link_all(numbers: set[int]) -> set[int]:
    return numbers


def render(source: str) -> str:
    return render_markdown(source).html


# ---------------------------------------------------------------------------- output checker


class _OutputChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"forbidden element <{tag}>")
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element <{tag}> is not in ALLOWED_TAGS")
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name not in allowed:
                self.problems.append(f"attribute {name} is not allowed on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES:
                # HTMLParser has already decoded entities once, as a browser does.
                url = URL_JUNK.sub("", value or "").lower()
                if url.startswith(FORBIDDEN_URL_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction <?{data}>")


def problems_in(output: str) -> list[str]:
    checker = _OutputChecker()
    checker.feed(output)
    checker.close()
    return checker.problems


def assert_safe(source: str) -> Rendered:
    rendered = render_markdown(source, linkable_notes=link_all)
    problems = problems_in(rendered.html)
    assert not problems, f"{source!r} rendered as {rendered.html!r}: {problems}"
    return rendered


def test_checker_catches_what_it_should() -> None:
    # The corpus tests are only as good as this checker, so prove it can fail.
    assert problems_in("<script>alert(1)</script>")
    assert problems_in('<p onclick="x()">a</p>')
    assert problems_in('<a href=" jav&#x09;ascript:alert(1)">a</a>')
    assert problems_in('<img src="data:image/png;base64,AAAA">')
    assert problems_in('<p style="color:red">a</p>')
    assert problems_in("<svg><g></g></svg>")
    assert problems_in("<!-- hidden -->")
    assert not problems_in(
        '<p dir="auto"><a href="https://example.org/" rel="nofollow noopener">a</a></p>'
    )


def test_allowlists_exclude_the_forbidden_elements() -> None:
    assert not FORBIDDEN_TAGS & ALLOWED_TAGS
    assert sorted(ALLOWED_PROTOCOLS) == ["http", "https", "mailto"]
    assert not any(name.startswith("on") for names in ALLOWED_ATTRIBUTES.values() for name in names)
    assert not any("style" in names for names in ALLOWED_ATTRIBUTES.values())


# ---------------------------------------------------------------------------- math


@pytest.mark.parametrize(
    ("source", "display"),
    [
        (r"Energy $E = mc^2$ here.", "inline"),
        (r"Energy \(E = mc^2\) here.", "inline"),
        (r"Energy $$E = mc^2$$ here.", "block"),
        (r"Energy \[E = mc^2\] here.", "block"),
        ("$$\nE = mc^2\n$$", "block"),
        ("\\[\nE = mc^2\n\\]", "block"),
    ],
)
def test_math_in_each_delimiter_becomes_mathml(source: str, display: str) -> None:
    output = render(source)
    assert f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}">' in output
    assert '<annotation encoding="application/x-tex">E = mc^2</annotation>' in output
    assert "$" not in output
    assert "\\(" not in output


def test_display_math_may_span_blank_lines() -> None:
    output = render("$$\na = b\n\n+ c\n$$\n\nAfter.")
    assert output.count("<math") == 1
    assert 'display="block"' in output
    assert "<ul>" not in output
    assert '<p dir="auto">After.</p>' in output


def test_underscores_in_math_are_not_emphasis() -> None:
    output = render("$x_i$ and $y_j$")
    assert "<em>" not in output
    assert "<msub><mi>x</mi><mi>i</mi></msub>" in output
    assert "<msub><mi>y</mi><mi>j</mi></msub>" in output


def test_asterisks_in_math_are_not_emphasis() -> None:
    output = render("$a*b*c$")
    assert "<em>" not in output
    assert '<annotation encoding="application/x-tex">a*b*c</annotation>' in output


def test_backslashes_in_math_survive_markdown_escapes() -> None:
    output = render(r"$\{a\} \\ b$")
    assert r"<annotation encoding=" in output
    assert r"\{a\} \\ b</annotation>" in output


@pytest.mark.parametrize(
    ("source", "href"),
    [
        (
            "[api](https://example.org/q?$filter=a&$top=5)",
            "https://example.org/q?$filter=a&amp;$top=5",
        ),
        ("<https://example.org/$x$>", "https://example.org/$x$"),
    ],
)
def test_dollars_in_web_addresses_are_not_math(source: str, href: str) -> None:
    output = render(source)
    assert "<math" not in output
    assert f'href="{href}"' in output


def test_dollars_in_a_bare_web_address_are_not_math() -> None:
    output = render("Query https://example.org/q?$filter=a&$top=5 with $y$.")
    assert output.count("<math") == 1
    assert "q?$filter=a&amp;$top=5 with <math" in output


@pytest.mark.parametrize(
    "source",
    ["It costs $5 and $6.", "From $5 to $10.", "Between $5-$10 a day.", "Pay $ 5 and 6 $ now."],
)
def test_currency_stays_text(source: str) -> None:
    rendered = render_markdown(source)
    assert "<math" not in rendered.html
    assert rendered.text == source


def test_escaped_dollar_is_a_literal_dollar() -> None:
    rendered = render_markdown(r"A \$x\$ is not math, but $y$ is.")
    assert rendered.html.count("<math") == 1
    assert rendered.text == "A $x$ is not math, but y is."


def test_math_in_code_spans_is_untouched() -> None:
    output = render("Write `$x_i$` and `\\(y\\)` literally.")
    assert "<math" not in output
    assert "<code>$x_i$</code>" in output
    assert "<code>\\(y\\)</code>" in output


def test_math_in_fenced_code_is_untouched() -> None:
    output = render("```\nprice = '$x_i$ and $$y$$'\n```")
    assert "<math" not in output
    assert "$x_i$ and $$y$$" in html.unescape(output)


def test_math_in_indented_code_is_untouched() -> None:
    output = render("Text.\n\n    $$x_i$$\n")
    assert "<math" not in output


def test_bad_formula_shows_escaped_source_as_an_error() -> None:
    output = render(r"Broken $\frac{$ here and fine $x$.")
    assert (
        '<code class="math-error" title="Unexpected end of input'
        " in a macro argument, expected '}'\">$\\frac{$</code>" in output
    )
    assert output.count("<math") == 1


@pytest.mark.parametrize(
    "tex",
    [r"\frac{", r"\left( x", r"x_1_2", "{" * 3000 + "x" + "}" * 3000, r"\begin{matrix} a"],
)
def test_formula_errors_never_raise(tex: str) -> None:
    rendered = assert_safe(f"$${tex}$$")
    assert "math-error" in rendered.html


def test_tex_cannot_inject_markup() -> None:
    output = render(r"$\text{<script>alert(1)</script>} \frac{<img src=x onerror=alert(1)>}{2}$")
    assert not problems_in(output)
    assert "<script" not in output
    assert "&lt;script&gt;" in output


@pytest.mark.parametrize(
    "tex",
    [
        r"\href{javascript:alert(1)}{x}",
        r"\url{javascript:alert(1)}",
        r"\style{color:red}{y}",
        r"\class{note-ref}{z}",
        r"\htmlId{n1-body}{w}",
        r"\htmlData{foo=bar}{v}",
        r"\htmlStyle{color:red}{u}",
    ],
)
def test_tex_cannot_add_links_ids_or_styles(tex: str) -> None:
    output = render(f"${tex}$ and $x$")
    assert not problems_in(output)
    # Temml does not trust these commands: the formula is an error mark, its source text.
    assert output.startswith('<p dir="auto"><code class="math-error"')
    assert "href=" not in output
    assert "id=" not in output
    assert "style=" not in output
    assert "note-ref" not in output.split("</code>")[1]


# ---------------------------------------------------------------------------- Markdown


def test_tables_render_with_alignment_but_no_style() -> None:
    output = render("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in output
    assert '<th align="left" dir="auto">a</th>' in output
    assert '<td align="right" dir="auto">2</td>' in output
    assert "style=" not in output


def test_fenced_code_is_highlighted_with_classes_not_styles() -> None:
    output = render("```python\ndef f(x):\n    return x\n```")
    assert '<div class="highlight"><pre>' in output
    assert '<span class="k">def</span>' in output
    assert "style=" not in output


def test_footnotes_link_both_ways_without_rel() -> None:
    output = render("A claim.[^1]\n\n[^1]: The source.")
    assert '<sup id="u-fnref:1"><a class="footnote-ref" href="#u-fn:1">1</a></sup>' in output
    assert '<li dir="auto" id="u-fn:1">' in output
    assert 'class="footnote-backref" href="#u-fnref:1"' in output
    assert "nofollow" not in output


@pytest.mark.parametrize("indent", ["  ", "    "])
def test_nested_lists_nest(indent: str) -> None:
    output = render(f"- a\n{indent}- b\n{indent}{indent}- c\n- d")
    nested = re.sub(r"\s+", "", output)
    assert nested == (
        '<ul><lidir="auto">a<ul><lidir="auto">b<ul><lidir="auto">c</li></ul></li></ul></li>'
        '<lidir="auto">d</li></ul>'
    )


def test_ordered_list_keeps_its_start() -> None:
    assert '<ol start="3">' in render("3. three\n4. four")


def test_headings_get_safe_ids() -> None:
    output = render('# Results & "Discussion"\n\n## Ergebnisse für <b>Tabelle</b>')
    assert '<h1 dir="auto" id="u-results-discussion">' in output
    ids = re.findall(r'id="([^"]*)"', output)
    assert len(ids) == 2
    assert all(re.fullmatch(r"u-[\w-]+", value) for value in ids), ids


def test_strikethrough_and_smart_emphasis() -> None:
    output = render("~~old~~ and snake_case_name and *em* and **strong**")
    assert "<del>old</del>" in output
    assert "snake_case_name" in output
    assert "<em>em</em>" in output
    assert "<strong>strong</strong>" in output


# ---------------------------------------------------------------------------- images and links


def test_an_image_from_another_host_becomes_a_link_to_it() -> None:
    output = render('![A chart](https://example.org/chart.png "Results")')
    assert "<img" not in output
    assert (
        '<a href="https://example.org/chart.png" title="Results" rel="nofollow noopener">'
        "A chart</a>"
    ) in output


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("http://example.org/chart.png", "http://example.org/chart.png"),
        ("//example.org/chart.png", "https://example.org/chart.png"),
        ("HTTPS://EXAMPLE.ORG/c.png", "HTTPS://EXAMPLE.ORG/c.png"),
    ],
)
def test_images_from_other_hosts_are_never_fetched(url: str, href: str) -> None:
    output = render(f'Before ![]({url}) after and <img src="{url}" alt="raw">')
    assert "<img" not in output
    assert f'<a href="{href}" rel="nofollow noopener">image</a>' in output
    assert f'<a href="{href}" rel="nofollow noopener">raw</a>' in output


def test_an_image_among_the_sites_static_files_stays_an_image() -> None:
    output = render("![A chart](/static/img/chart-2.png)")
    assert '<img alt="A chart" src="/static/img/chart-2.png">' in output


@pytest.mark.parametrize(
    "url",
    [
        "/notifications/12/",
        "chart.png",
        "/static/../notifications/12/",
        "/static/%2e%2e/notifications/12/",
        "/static/.hidden",
        "?page=2",
    ],
)
def test_an_image_elsewhere_on_the_site_becomes_a_link_too(url: str) -> None:
    # An <img> would request the page with the reader's cookies, a request the reader
    # never chose to make.
    output = render(f"![x]({url})")
    assert "<img" not in output
    assert f'<a href="{url}">x</a>' in output


def test_an_image_inside_a_link_leaves_its_alt_text() -> None:
    output = render("[![A chart](https://example.org/chart.png)](https://example.org/paper)")
    assert output == (
        '<p dir="auto"><a href="https://example.org/paper" rel="nofollow noopener">A chart</a></p>'
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:image/png;base64,iVBORw0KGgo=", "vbscript:x", "mailto:a@b.c"],
)
def test_images_at_other_schemes_are_dropped(url: str) -> None:
    output = render(f"Before ![A chart]({url}) after")
    assert "<img" not in output
    assert "href" not in output
    assert_safe(f'<img src="{url}" alt="x">')


def test_external_link_gets_nofollow_noopener() -> None:
    output = render("[paper](https://example.org/paper)")
    assert '<a href="https://example.org/paper" rel="nofollow noopener">paper</a>' in output


def test_relative_link_has_no_rel_even_if_written() -> None:
    output = render('<a href="/n/4/" rel="opener">four</a> and [five](/n/5/)')
    assert '<a href="/n/4/">four</a>' in output
    assert '<a href="/n/5/">five</a>' in output


def test_protocol_relative_link_becomes_https_and_external() -> None:
    assert '<a href="https://evil.example/" rel="nofollow noopener">x</a>' in render(
        "[x](//evil.example/)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](jav&#x09;ascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_links_lose_their_href(source: str) -> None:
    output = assert_safe(source).html
    assert "href" not in output
    assert "click" in output


def test_mailto_links_are_kept() -> None:
    assert '<a href="mailto:a@example.org">mail</a>' in render("[mail](mailto:a@example.org)")


def test_raw_script_never_becomes_an_element() -> None:
    rendered = assert_safe("Hello <script>alert(1)</script>\n\n<script>\nalert(2)\n</script>")
    assert "<script" not in rendered.html
    assert "&lt;script&gt;" in rendered.html


def test_raw_event_handlers_are_removed() -> None:
    output = assert_safe('<p onclick="alert(1)">a</p><em onmouseover=alert(1)>b</em>').html
    assert "<p>a</p>" in output
    assert "<em>b</em>" in output


def test_unknown_classes_are_dropped() -> None:
    output = render('<span class="k skip-link">x</span>')
    assert '<span class="k">x</span>' in output


# ---------------------------------------------------------------------------- {N} and identifiers


def test_note_reference_is_linked_when_linkable() -> None:
    seen: list[set[int]] = []

    def linkable(numbers: set[int]) -> set[int]:
        seen.append(set(numbers))
        return {12}

    rendered = render_markdown("See {12} and {13}, not `{14}`.", linkable_notes=linkable)
    # Without an address from the caller, relative to the page the text is on.
    assert '<a class="note-ref" href="12/">{12}</a>' in rendered.html
    assert "{13}" in rendered.html
    assert 'href="13/"' not in rendered.html
    assert seen == [{12, 13}]
    assert rendered.note_refs == frozenset({12})


def test_note_references_link_to_the_address_the_caller_gives() -> None:
    asked: list[int] = []

    def href(number: int) -> str:
        asked.append(number)
        return f"/papers/notes/{number}?from=text"

    rendered = render_markdown("{12}, {13} and {7}", linkable_notes=link_all, note_href=href)
    assert '<a class="note-ref" href="/papers/notes/12?from=text">{12}</a>' in rendered.html
    assert '<a class="note-ref" href="/papers/notes/7?from=text">{7}</a>' in rendered.html
    assert sorted(asked) == [7, 12, 13]
    # The address is checked like any link of the text: a script's is dropped, the link kept.
    hostile = render_markdown("{12}", linkable_notes=link_all, note_href=lambda n: "javascript:x")
    assert '<a class="note-ref">{12}</a>' in hostile.html


def test_note_references_stay_plain_without_a_callback() -> None:
    rendered = render_markdown("See {12}.")
    assert "<a" not in rendered.html
    assert rendered.note_refs == frozenset()


def test_note_references_are_not_linked_in_code_links_or_math() -> None:
    source = "`{1}`\n\n```\n{2}\n```\n\n[see {3}](https://example.org/) and $\\{4\\}$"
    rendered = render_markdown(source, linkable_notes=link_all)
    assert "note-ref" not in rendered.html
    assert rendered.note_refs == frozenset()


def test_callback_cannot_link_numbers_that_were_not_written() -> None:
    rendered = render_markdown("See {1}.", linkable_notes=lambda numbers: {1, 2})
    assert rendered.note_refs == frozenset({1})


@pytest.mark.parametrize("source", ["{0}", "{01}", "{12345678901}", "{-3}", "{ 3 }", r"\{3\}"])
def test_malformed_note_references_are_not_linked(source: str) -> None:
    rendered = render_markdown(source, linkable_notes=link_all)
    assert "note-ref" not in rendered.html


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        ("PMID-31942076", "https://pubmed.ncbi.nlm.nih.gov/31942076/", "PMID-31942076"),
        ("PMID:31942076", "https://pubmed.ncbi.nlm.nih.gov/31942076/", "PMID:31942076"),
        ("arXiv:1707.03389", "https://arxiv.org/abs/1707.03389", "arXiv:1707.03389"),
        ("arXiv:1707.03389v3", "https://arxiv.org/abs/1707.03389v3", "arXiv:1707.03389v3"),
        ("arXiv:hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001", "arXiv:hep-th/9901001"),
        ("doi:10.1000/xyz123", "https://doi.org/10.1000/xyz123", "doi:10.1000/xyz123"),
        (
            "doi:10.1016/0010-0277(89)90005-X",
            "https://doi.org/10.1016/0010-0277(89)90005-X",
            "doi:10.1016/0010-0277(89)90005-X",
        ),
    ],
)
def test_identifiers_become_links(source: str, href: str, text: str) -> None:
    output = render(f"As shown ({source}).")
    assert f'<a href="{href}" rel="nofollow noopener">{text}</a>).' in output


@pytest.mark.parametrize("after", [".", ",", ")", ";"])
def test_doi_leaves_trailing_punctuation_outside(after: str) -> None:
    output = render(f"(see doi:10.1000/xyz123{after} next")
    assert f'">doi:10.1000/xyz123</a>{after}' in output


def test_identifiers_are_not_linked_in_code() -> None:
    output = render("`PMID:31942076` and\n\n    doi:10.1000/xyz123\n")
    assert "<a" not in output


# ---------------------------------------------------------------------------- direction, text


def test_arabic_paragraph_gets_dir_auto() -> None:
    output = render("هذه ملاحظة عن الورقة.\n\n- عنصر\n\n> اقتباس\n\n## عنوان")
    assert '<p dir="auto">هذه ملاحظة عن الورقة.</p>' in output
    assert '<li dir="auto">عنصر</li>' in output
    assert '<blockquote dir="auto">' in output
    assert '<h2 dir="auto" id="u-عنوان">' in output


def test_text_shows_formulas_as_their_characters_with_no_tex_and_no_tags() -> None:
    rendered = render_markdown(
        "# Title\n\nThe *loss* is $\\mathcal{L} = x_i^2$ &amp; more.[^1]\n\n"
        "$$\\sum_i a_i$$\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: Fine print."
    )
    assert rendered.text == "Title The loss is ℒ=xi2 & more.1 ∑iai a b 1 2 Fine print."
    expectation = render_markdown("$\\mathbb{E}[x]=\\sum_i x_i$ and $\\frac{a}{b}$").text
    assert expectation == "𝔼[x]=∑ixi and ab"
    assert "\\" not in expectation and "mathbb" not in expectation


def test_empty_source_renders_empty() -> None:
    assert render_markdown("") == Rendered(html="", text="", note_refs=frozenset())


def test_absurdly_deep_nesting_does_not_raise() -> None:
    rendered = assert_safe("> " * 2000 + "x\n\n" + "".join("    " * i + "- x\n" for i in range(60)))
    assert rendered.text


def test_a_200_kb_note_renders() -> None:
    section = (
        "## Section {i}\n\n"
        "The model in {{{ref}}} improves on PMID:31942076; the loss is "
        "$\\mathcal{{L}}(\\theta) = -\\sum_i \\log p_\\theta(y_i \\mid x_i)$ and the gains are "
        "*consistent* across **all** benchmarks (arXiv:1707.03389, doi:10.1000/xyz{i}). "
        "Ordinary prose follows, describing the set-up, data sets and ablations in enough detail "
        "to help a reader who has not read the paper, with a [link](https://example.org/{i}) "
        "and some `inline code`.\n\n"
        "$$\n\\hat{{y}} = \\arg\\max_y "
        "\\frac{{e^{{s(x, y)}}}}{{\\sum_{{y'}} e^{{s(x, y')}}}}\n$$\n\n"
        "- first point\n  - a nested detail\n- second point[^n{i}]\n\n"
        "| metric | value |\n|:--|--:|\n| BLEU | 41.{i} |\n\n"
        "```python\ndef score(x: list[float]) -> float:\n    return sum(x) / len(x)\n```\n\n"
        "[^n{i}]: A footnote.\n\n"
    )
    parts: list[str] = []
    size = 0
    while size < 200_000:
        parts.append(section.format(i=len(parts), ref=len(parts) % 50 + 1))
        size += len(parts[-1])
    source = "".join(parts)
    started = time.perf_counter()
    rendered = render_markdown(source, linkable_notes=link_all)
    elapsed = time.perf_counter() - started
    print(f"\nrendered {len(source):,} characters in {elapsed:.2f}s")
    assert rendered.html.count("<math") == 2 * len(parts)
    assert len(rendered.note_refs) == 50


# ---------------------------------------------------------------------------- corpora


def _contexts(payload: str) -> list[str]:
    # As typed, inside a formula, and as a link address (raw <img> payloads cover images).
    return [payload, f"${payload}$", f"[x]({payload})"]


def test_every_xss_list_is_covered() -> None:
    assert xss_list_names() == set(XSS_LISTS)


@pytest.mark.parametrize("chunk", range(BLNS_CHUNKS))
def test_naughty_strings_render_safely(chunk: int) -> None:
    for string in naughty_strings()[chunk::BLNS_CHUNKS]:
        for source in _contexts(string):
            assert_safe(source)


@pytest.mark.parametrize("name", XSS_LISTS)
def test_xss_payloads_render_safely(name: str) -> None:
    for payload in xss_payloads(name):
        for source in _contexts(payload):
            assert_safe(source)
