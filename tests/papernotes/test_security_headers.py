"""The headers every response carries: a strict Content-Security-Policy, Permissions-Policy
and Cross-Origin-Resource-Policy — on pages, in-place fragments, feeds, the admin, static
files and every error page — and the templates that let the policy stay strict."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import path

from accounts.models import User
from notes.models import Note
from tests.conftest import client_for, make_user
from tests.factories import make_comment, make_note

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _error_page_style_source() -> str:
    """The hash source of the error pages' inline style sheet, as a browser computes it."""
    html = get_template("500.html").render({})
    (css,) = _STYLE.findall(html)
    digest = hashlib.sha256(css.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _expected_policy() -> dict[str, set[str]]:
    return {
        "default-src": {"'self'"},
        "script-src": {"'self'"},
        "style-src": {"'self'", _error_page_style_source()},
        "img-src": {"'self'", "data:"},
        "object-src": {"'none'"},
        "base-uri": {"'none'"},
        "form-action": {"'self'"},
        "frame-ancestors": {"'none'"},
    }


def _policy(response: HttpResponse) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code}"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: set(sources) for name, *sources in directives}


def _assert_secured(response: HttpResponse) -> None:
    assert _policy(response) == _expected_policy()
    features = {item.strip() for item in response.headers.get("Permissions-Policy", "").split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= features
    assert response.headers.get("Cross-Origin-Resource-Policy") == "same-origin"
    # Django's own headers are still there beside ours.
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.fixture
def note(alice: User, bob: User) -> Note:
    note = make_note(alice, body="Math $x^2$ and a footnote[^1].\n\n[^1]: here", tags=["physics"])
    make_comment(note, bob, "A comment.")
    return note


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/n/{note}/",
        "/n/{note}/print/",
        "/n/{note}/history/",
        "/n/{note}/r/0/",
        "/papers/{paper}/",
        "/papers/",
        "/tags/",
        "/tags/physics/",
        "/search/?q=math",
        "/u/alice/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/tags/autocomplete/?q=ph",
        "/feeds/notes/",
        "/feeds/tags/physics/",
        "/feeds/users/alice/",
    ],
)
def test_public_pages_and_feeds_send_the_headers(client: Client, note: Note, url: str) -> None:
    response = client.get(url.format(note=note.pk, paper=note.paper_id))

    assert response.status_code == 200
    _assert_secured(response)


def test_pages_and_fragments_of_a_logged_in_user_send_the_headers(
    note: Note, bob_client: Client
) -> None:
    for response in [
        bob_client.get(f"/n/{note.pk}/"),
        bob_client.get("/notifications/"),
        bob_client.get("/following/"),
        bob_client.get(f"/papers/{note.paper_id}/write/"),
        bob_client.post("/n/preview/", {"body": "$x$"}),
        bob_client.post(f"/n/{note.pk}/comments/", {"body": "In place."}, HTTP_HX_REQUEST="true"),
        bob_client.post(f"/n/{note.pk}/vote/", {"vote": "1"}, HTTP_HX_REQUEST="true"),
    ]:
        assert response.status_code == 200, response.request["PATH_INFO"]
        _assert_secured(response)


def test_the_admin_sends_the_headers(note: Note) -> None:
    admin = client_for(make_user("root", is_staff=True, is_superuser=True))

    for url in ["/admin/", "/admin/notes/note/", f"/admin/notes/note/{note.pk}/change/"]:
        response = admin.get(url)
        assert response.status_code == 200, url
        _assert_secured(response)


@pytest.mark.filterwarnings("ignore:No directory at")  # STATIC_ROOT exists after collectstatic
@override_settings(WHITENOISE_USE_FINDERS=True)
@pytest.mark.parametrize("name", ["css/site.css", "js/notes.js", "favicon.svg"])
def test_static_files_send_the_headers(name: str) -> None:
    response = Client().get(static(name))

    assert response.status_code == 200
    _assert_secured(response)


def test_a_missing_page_sends_the_headers(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    _assert_secured(response)


def test_a_refused_page_sends_the_headers(note: Note, bob_client: Client) -> None:
    response = bob_client.get(f"/n/{note.pk}/edit/")

    assert response.status_code == 403
    _assert_secured(response)


def test_a_wrong_method_sends_the_headers(client: Client) -> None:
    response = client.put("/")

    assert response.status_code == 405
    _assert_secured(response)


def test_a_bad_request_gets_the_standalone_page_and_the_headers(client: Client) -> None:
    # More query fields than Django parses: the standalone 400 page.
    response = client.get("/?" + "&".join(f"f{i}=1" for i in range(1100)))

    assert response.status_code == 400
    assert b"We could not make sense of that request" in response.content
    _assert_secured(response)


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a crash, on purpose")


urlpatterns = [path("crash/", _crash)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_gets_the_standalone_page_and_the_headers() -> None:
    response = Client(raise_request_exception=False).get("/crash/")

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    _assert_secured(response)


def test_a_form_without_its_csrf_token_gets_a_page_the_policy_allows(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "alice", "password": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "That form could not be accepted" in html
    # Django's own fallback page carries an inline <style>; ours uses the site's style sheet.
    assert "<style" not in html
    _assert_secured(response)


@pytest.mark.parametrize("name", ["400.html", "500.html", "503.html"])
def test_the_error_pages_inline_style_is_the_one_the_policy_allows(name: str) -> None:
    html = get_template(name).render({})

    (css,) = _STYLE.findall(html)
    assert css == (TEMPLATES / "_error_page.css").read_text(encoding="utf-8")
    assert ".error-page" in css
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]


def test_htmx_is_told_to_add_no_style_and_evaluate_nothing(client: Client) -> None:
    html = client.get("/").content.decode()

    (config,) = re.findall(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert json.loads(config) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }


# What the policy would refuse: an inline script or style element, a style attribute, an
# event-handler attribute, a script URL, and htmx's evaluated attributes.
_INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:|\shx-on|\bjs:",
    re.IGNORECASE,
)
_ALLOWED_INLINE = '<style>{% include "_error_page.css" %}</style>'


@pytest.mark.parametrize(
    "template",
    sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")),
)
def test_no_template_writes_inline_script_style_or_handlers(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8").replace(_ALLOWED_INLINE, "")

    assert _INLINE.findall(text) == []


@pytest.mark.parametrize(
    "body",
    [
        "$\\style{color:red}{x}$",  # an error mark: Temml does not trust \style
        "$$\\style{position:fixed;top:0}{\\sum}$$",
        # Temml writes style attributes for these (padding, rules, widths, colours).
        "$$\\begin{array}{c|c} a & b \\\\ \\hline c & d \\end{array} \\color{red} x \\tag{1}$$",
        "$$\\begin{aligned} a &= b \\\\ c &= d \\end{aligned} \\quad a\\!b$$",
        '<span style="color:red">red</span> and <p style="position:fixed">fixed</p>',
        '<math><mi style="font-size:999px">x</mi></math>',
    ],
)
def test_no_style_attribute_reaches_a_stored_note(alice: User, body: str) -> None:
    # Why the policy needs no 'unsafe-inline' for style attributes: the sanitiser drops them
    # all, and the math converter's become classes of the style sheet.
    note = make_note(alice, body=body)

    assert re.search(r"\sstyle=", note.body_html) is None
