"""The page frame: base.html, the stylesheets and the error pages.

These run with DEBUG off, as in production, so a missing page is answered by our
404.html and a crash by our standalone 500.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.template.loader import get_template
from django.templatetags.static import static
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.views import defaults

from accounts.models import User


@dataclass
class _Form:
    attrs: dict[str, str | None]
    buttons: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Collects each <form>'s attributes and the text of the buttons inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self._form = _Form(attrs=dict(attrs))
            self.forms.append(self._form)
        elif tag == "button" and self._form is not None:
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self._form is not None:
            self._form.buttons.append("".join(self._button).strip())
            self._button = None
        elif tag == "form":
            self._form = None


def _forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _read_static(path: str) -> str:
    found = finders.find(path)
    assert isinstance(found, str)
    return Path(found).read_text(encoding="utf-8")


def test_an_unknown_url_gets_our_404_page(client: Client, db: None) -> None:
    response = client.get("/no-such-page-here/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "This page is not in the notebook" in html
    assert "/no-such-page-here/" in html
    assert f'href="{reverse("notes:index")}"' in html


def test_the_home_page_links_the_screen_and_print_stylesheets(client: Client, db: None) -> None:
    html = client.get("/").content.decode()

    assert f'<link rel="stylesheet" href="{static("css/site.css")}">' in html
    assert f'<link rel="stylesheet" href="{static("css/print.css")}" media="print">' in html


def test_a_visitor_is_offered_log_in_and_sign_up(client: Client, db: None) -> None:
    html = client.get("/").content.decode()

    assert f'href="{reverse("accounts:login")}"' in html
    assert ">Log in</a>" in html
    assert f'href="{reverse("accounts:signup")}"' in html
    assert ">Sign up</a>" in html
    assert "Log out" not in html


def test_a_logged_in_user_sees_their_name_and_a_log_out_button(
    alice_client: Client, alice: User
) -> None:
    html = alice_client.get("/").content.decode()

    assert "Alice Liddell" in html
    assert f'href="{reverse("notes:profile", args=[alice.username])}"' in html
    assert ">Log in</a>" not in html
    logout_forms = [f for f in _forms(html) if "Log out" in f.buttons]
    assert len(logout_forms) == 1
    assert (logout_forms[0].attrs["method"] or "").lower() == "post"
    assert logout_forms[0].attrs["action"] == reverse("accounts:logout")


def test_the_search_box_is_labelled_and_sends_a_get_to_search(client: Client, db: None) -> None:
    html = client.get("/").content.decode()

    search = [f for f in _forms(html) if f.attrs.get("role") == "search"]
    assert len(search) == 1
    assert search[0].attrs == {
        "class": "site-search",
        "role": "search",
        "action": "/search/",
        "method": "get",
    }
    assert '<label class="visually-hidden" for="site-search-q">' in html
    assert 'id="site-search-q" type="search" name="q"' in html


def test_500_renders_standalone_with_an_empty_context() -> None:
    html = get_template("500.html").render({})

    assert "PaperNotes" in html
    assert "Something went wrong on our side" in html
    assert "<style>" in html  # needs no static files storage to look like the site


def test_the_500_handler_uses_our_page() -> None:
    request = RequestFactory().get("/")

    response = defaults.server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_the_400_handler_uses_our_standalone_page() -> None:
    request = RequestFactory().get("/")

    response = defaults.bad_request(request, SuspiciousOperation("bad"))

    assert response.status_code == 400
    assert b"We could not make sense of that request" in response.content
    assert b"PaperNotes" in response.content


def test_the_403_handler_uses_our_page_inside_the_site_frame() -> None:
    request = RequestFactory().get("/n/1/edit/")

    response = defaults.permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    html = response.content.decode()
    assert "That page is not open to you" in html
    assert 'class="site-header"' in html


@pytest.mark.parametrize("path", ["css/site.css", "css/print.css"])
def test_the_stylesheets_are_found_by_the_static_finders(path: str) -> None:
    assert finders.find(path) is not None


@pytest.mark.filterwarnings("ignore:No directory at")  # STATIC_ROOT exists after collectstatic
@override_settings(WHITENOISE_USE_FINDERS=True)
def test_the_stylesheet_is_served() -> None:
    response = Client().get(static("css/site.css"))

    assert response.status_code == 200
    assert "prefers-color-scheme: dark" in b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(
    "selector",
    [
        ".entry__num",
        ".entry__meta",
        ".entry__actions",
        ".is-hidden .entry__body",
        ".revbar__current",
        ".toolbar",
        ".diff ins",
        ".diff del",
        'math[display="block"]',
        ".math-error",
        ".errorlist",
        ".form-errors",
        ".link-button",
        ".message--error",
        ".visually-hidden",
        ".skip-link",
        ".grid-2",
        ".note-ref",
        ".rating__stars",
        ".rating__message--error",
        ".summary-order",
    ],
)
def test_the_stylesheet_styles_the_classes_pages_rely_on(selector: str) -> None:
    css = _read_static("css/site.css")

    assert f"{selector} {{" in css or f"{selector},\n" in css


def test_the_print_stylesheet_only_applies_to_print() -> None:
    css = _read_static("css/print.css")
    rules = css.split("*/", 1)[1].strip()

    assert rules.startswith("@media print {")
    assert 'a[href^="http"]::after' in rules


_BASE = Path(__file__).resolve().parents[2]
_DARK = "@media (prefers-color-scheme: dark)"
# What the dark scheme may set: colours, and the weight, slant and underline of highlighted
# code (the light theme marks tokens its own way, and boxes some with a border the dark
# theme takes away). The accessibility test runs only axe's colour rules in the dark
# scheme; this keeps that enough.
_DARK_PROPERTIES = {
    "color",
    "background-color",
    "border-color",
    "font-weight",
    "font-style",
    "text-decoration",
}
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")


def _dark_declarations(css: str) -> list[tuple[str, str]]:
    """The (property, value) pairs set inside the dark scheme's @media blocks."""
    found = []
    start = css.find(_DARK)
    while start != -1:
        inside = end = css.index("{", start) + 1
        depth = 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        block = re.sub(r"/\*.*?\*/", "", css[inside : end - 1], flags=re.DOTALL)
        for body in re.findall(r"\{([^{}]*)\}", block):
            for declaration in filter(str.strip, body.split(";")):
                name, _, value = declaration.partition(":")
                found.append((name.strip(), value.strip()))
        start = css.find(_DARK, end)
    return found


@pytest.mark.parametrize(
    "path",
    [
        *(str(p.relative_to(_BASE)) for p in sorted((_BASE / "static").rglob("*.css"))),
        "templates/_error_page.css",
    ],
)
def test_the_dark_scheme_changes_colours_and_text_weight_only(path: str) -> None:
    declarations = _dark_declarations((_BASE / path).read_text(encoding="utf-8"))
    others = [
        f"{name}: {value}"
        for name, value in declarations
        if not (
            name in _DARK_PROPERTIES
            or (name.startswith("--") and _COLOUR.search(value))
            or (name == "border" and value == "0")
        )
    ]
    assert others == []


def test_the_dark_scheme_check_reads_the_declarations() -> None:
    css = _read_static("css/site.css")
    declarations = dict(_dark_declarations(css))
    assert declarations["--bg"] == "#15171b"
    assert _dark_declarations(".a { margin: 0; }") == []
    assert _dark_declarations(f"{_DARK} {{ .a {{ margin: 0; color: red; }} }}") == [
        ("margin", "0"),
        ("color", "red"),
    ]
