"""No script URL survives (issue 18, item 1): every URL attribute of rendered HTML is http,
https, mailto, relative or a fragment, whatever the spelling.

The renderer checks URLs with its own parser (``notes.markup.rendering.checked_url``). The checker
here is independent of it: it reads the output with Python's HTML parser, as a browser reads
attributes, strips what browsers strip and finds the scheme the way the URL standard does.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import User
from notes.markup.rendering import (
    ALLOWED_ATTRIBUTES,
    URL_ATTRIBUTES,
    checked_url,
    render_markdown,
)
from tests.corpora import naughty_strings, xss_list_names, xss_payloads
from tests.factories import make_comment, make_note

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Attributes that hold a URL in HTML, SVG or MathML, allowed or not.
EVERY_URL_ATTRIBUTE = frozenset(
    {
        "href", "src", "srcset", "action", "formaction", "background", "cite", "data",
        "codebase", "longdesc", "poster", "ping", "usemap", "xlink:href", "manifest",
        "icon", "lowsrc", "dynsrc", "profile", "classid", "archive",
    }
)  # fmt: skip
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def bad_url(value: str) -> str | None:
    """Why ``value`` (an attribute as a browser decodes it) must not be in the output, if so."""
    if re.search(r"[\x00-\x1f\x7f-\x9f\\]", value):
        return "control character or backslash"
    # Browsers strip leading C0 controls and spaces, and ignore tabs and newlines anywhere.
    stripped = re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(0x21))))
    scheme = _SCHEME.match(stripped)
    if scheme and scheme.group(1).lower() not in ALLOWED_SCHEMES:
        return f"scheme {scheme.group(1)}"
    first = re.split(r"[/?#]", stripped, maxsplit=1)[0]
    if ":" in first and not scheme:
        return "colon before the path"
    return None


class _UrlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in EVERY_URL_ATTRIBUTE and (why := bad_url(value or "")):
                self.problems.append(f"<{tag} {name}={value!r}>: {why}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def url_problems(output: str) -> list[str]:
    checker = _UrlChecker()
    checker.feed(output)
    checker.close()
    return checker.problems


def test_the_checker_catches_what_it_should() -> None:
    for bad in (
        '<a href="javascript:123">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<a href="/\\evil.example">x</a>',
        '<a href="1:2">x</a>',
    ):
        assert url_problems(bad), bad
    assert not url_problems('<a href="https://e.org/">x</a><a href="#n1-a">y</a><img src="/a">')


def test_every_url_attribute_the_allowlists_allow_is_checked() -> None:
    allowed = {name for names in ALLOWED_ATTRIBUTES.values() for name in names}
    assert allowed & EVERY_URL_ATTRIBUTE == URL_ATTRIBUTES == {"href", "src"}


# ---------------------------------------------------------------------------- the URL parser

# Each class of smuggling, in the decoded form the final pass sees.
REFUSED = {
    "script schemes": ["javascript:alert(1)", "vbscript:msgbox(1)", "livescript:x"],
    "case": ["JavaScript:alert(1)", "JAVASCRIPT:alert(1)", "DaTa:text/html,x"],
    "digits only": ["javascript:123", "javascript:0", "123:456", "1:x"],
    "data": ["data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml,<svg/>"],
    "other schemes": ["file:///etc/passwd", "ftp://e.org/", "tel:123", "jar:x", "blob:x"],
    "control characters": ["java\x00script:x", "java\tscript:x", "java\nscript:x", "\x01x"],
    "C1 controls": ["java\x85script:x", "https://e.org/\x9b"],
    "backslashes": ["/\\evil.example", "\\\\evil.example", "https:\\\\evil.example", "a\\b"],
    "lookalike schemes": ["ｊavascript:x", "java\u200bscript:x", "\xa0javascript:x"],
    "colon before any slash": ["x:y", "a:b/c", "localhost:8000/a"],
}
KEPT = {
    "web": [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        ("mailto:a@example.org", "mailto:a@example.org"),
    ],
    "relative": [("/n/12/", "/n/12/"), ("a/b:c", "a/b:c"), ("?q=1", "?q=1"), ("", "")],
    "fragment": [("#fn:1", "#fn:1")],
    "whitespace": [("  https://e.org/a b  ", "https://e.org/a%20b"), ("\n/x\t", "/x")],
    "protocol-relative": [("//example.org/x", "https://example.org/x")],
}


@pytest.mark.parametrize(
    "value", [value for values in REFUSED.values() for value in values], ids=repr
)
def test_the_url_parser_refuses_smuggled_schemes(value: str) -> None:
    assert checked_url(value) is None


@pytest.mark.parametrize(
    ("value", "written"), [pair for pairs in KEPT.values() for pair in pairs], ids=repr
)
def test_the_url_parser_keeps_web_relative_and_fragment_addresses(value: str, written: str) -> None:
    assert checked_url(value) == written


# ---------------------------------------------------------------------------- rendered


# The same classes as a writer types them: character references, in Markdown and raw HTML.
TYPED = [
    "javascript:123",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A&#x61&#x76&#x61script:alert(1)",
    "javascript&colon;alert(1)",
    "java&Tab;script:alert(1)",
    "java&NewLine;script:alert(1)",
    "&#0;javascript:alert(1)",
    " &#14; javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "/&#92;evil.example",
    "&#92;&#92;evil.example",
]


@pytest.mark.parametrize("url", TYPED)
@pytest.mark.parametrize(
    "template",
    [
        '<a href="{url}" onclick="alert(1)">x</a>',
        "<a href='{url}'>x</a>",
        "[x]({url})",
        "[x][r]\n\n[r]: {url}",
        '<img src="{url}" alt="x">',
        "![x]({url})",
    ],
)
def test_smuggled_script_urls_never_reach_the_output(template: str, url: str) -> None:
    output = render_markdown(template.format(url=url)).html
    # Character references the HTML parser does not resolve come out escaped: a browser then
    # reads them as text of a relative address (harmless), which the checker accounts for.
    assert not url_problems(output), output


def test_the_javascript_123_link_from_the_report_loses_its_href() -> None:
    output = render_markdown('<a href="javascript:123" onclick="alert(1)">x</a>').html
    assert output == '<p dir="auto"><a>x</a></p>'


@pytest.mark.parametrize("name", sorted(xss_list_names()))
def test_the_xss_corpus_leaves_no_url_outside_the_allowlist(name: str) -> None:
    for payload in xss_payloads(name):
        for source in (payload, f"[x]({payload})", f'<a href="{payload}">x</a>'):
            output = render_markdown(source).html
            assert not url_problems(output), (source, output)


def test_the_naughty_strings_leave_no_url_outside_the_allowlist() -> None:
    for string in naughty_strings():
        for source in (f"[x]({string})", f"<a href='{string}'>x</a>", f"![x]({string})"):
            output = render_markdown(source).html
            assert not url_problems(output), (source, output)


# ---------------------------------------------------------------------------- every page


@pytest.mark.django_db
def test_no_page_or_fragment_carries_the_script_url(
    alice: User, bob: User, bob_client: Client
) -> None:
    hostile = 'A <a href="javascript:123" onclick="alert(1)">link</a> and [another](javascript:1)'
    note = make_note(alice, body=hostile, tags=["smuggled"])
    make_comment(note, bob, hostile)
    pages = {
        url: Client().get(url)
        for url in (
            "/",
            f"/n/{note.pk}/",
            f"/n/{note.pk}/print/",
            f"/papers/{note.paper_id}/",
            "/tags/smuggled/",
            "/feeds/notes/",
            "/feeds/tags/smuggled/",
        )
    }
    pages["preview"] = bob_client.post("/n/preview/", {"body": hostile, "visibility": "public"})
    pages["comment fragment"] = bob_client.post(
        f"/n/{note.pk}/comments/", {"body": hostile}, HTTP_HX_REQUEST="true"
    )
    for where, response in pages.items():
        content = response.content.decode()
        assert response.status_code == 200, where
        assert "link" in content, where
        assert "javascript" not in html.unescape(html.unescape(content)).lower(), where
