"""The header and footer every page shares, written in Python (``chrome``): the same markup
as the template they replace (kept here as it was), for a visitor, a reader and staff, in
both languages, on any page, under a script prefix, with hostile names, paths and search
words; and what each reader is offered."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import resolve, set_script_prefix
from django.utils import translation
from django.utils.translation import get_language_info

from accounts.models import User
from notes.models import Notification
from tests.conftest import make_user
from tests.factories import make_note

pytestmark = pytest.mark.django_db

# base.html's header and footer (with _language_switch.html) as templates wrote them.
TEMPLATE = (Path(__file__).parent / "chrome_template.html").read_text()

LABELLED = 'aria-describedby="language-switch-label"'
PATHS = (
    "/",
    "/tags/",
    "/papers/",
    "/following/",
    "/notifications/",
    "/moderation/",
    "/search/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%26",
    "/tags/?a=b&c=%3Cd%3E%20%C3%A9&next=//evil.example",
    "/no/such/page/",
)


def _normal(html: str) -> str:
    """Markup with a form token's value (new at each request) and the space between tags
    left out."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", html)
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, path: str, user: User | AnonymousUser, prefix: str) -> str:
    request = RequestFactory().get(path, SCRIPT_NAME=prefix.rstrip("/"))
    try:
        request.resolver_match = resolve(request.path_info)
    except Exception:  # a page that does not exist has no match
        request.resolver_match = None
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return engines["django"].from_string(source).render({}, request)


@pytest.fixture
def readers(db) -> dict[str, User | AnonymousUser]:
    reader = make_user("reader", display_name="Zoë <b>\"&amp;</b> 'x'")
    writer = make_user("writer")
    paper = make_note(writer).paper
    notes = [make_note(make_user(f"writer{i}"), paper) for i in range(4)]
    Notification.objects.bulk_create(
        Notification(recipient=reader, actor=writer, kind=kind, note=note, delivery="in_app")
        for kind, note in itertools.product(("comment", "paper_summary", "followed_user"), notes)
    )
    staff = make_user("moderator", display_name="")
    staff.is_staff = True
    staff.save()
    return {"visitor": AnonymousUser(), "reader": reader, "staff": staff}


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("prefix", ["/", "/pn/"])
def test_the_header_and_footer_are_the_templates_markup(
    readers: dict[str, User | AnonymousUser], language: str, prefix: str
) -> None:
    new = "{% load chrome %}{% site_header %}{% site_footer %}"
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for (name, user), path in itertools.product(readers.items(), PATHS):
                expected = _normal(_render(TEMPLATE, path, user, prefix))
                assert _normal(_render(new, path, user, prefix)) == expected, (name, path)
    finally:
        set_script_prefix("/")


def test_each_reader_is_offered_their_own_links(
    client: Client, readers: dict[str, User | AnonymousUser]
) -> None:
    html = client.get("/tags/?q=x").content.decode()
    assert '<a href="/accounts/login/?next=/tags/%3Fq%3Dx">Log in</a>' in html
    assert 'href="/tags/" aria-current="page">Tags</a>' in html
    assert "csrfmiddlewaretoken" not in html  # a visitor's page posts nothing

    client.force_login(readers["reader"])
    html = client.get("/notifications/").content.decode()
    assert "Zoë &lt;b&gt;&quot;&amp;amp;&lt;/b&gt; &#x27;x&#x27;</a>" in html
    assert 'aria-current="page">Notifications <span class="count">12' in html
    assert ">Moderation</a>" not in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2  # log out, language switch

    client.force_login(readers["staff"])
    html = client.get("/moderation/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'href="/moderation/" aria-current="page">' in html
    arabic = get_language_info("ar")["name_local"]
    assert f'value="ar" lang="ar" dir="rtl" {LABELLED} aria-current="true">{arabic}<' in html


def test_static_urls_are_the_storages_and_follow_its_settings(settings) -> None:
    from django.templatetags.static import static

    source = "{% load chrome %}{% static_url 'css/site.css' %}|{% static_url 'js/notes.js' %}"
    written = engines["django"].from_string(source).render({})
    assert written == f"{static('css/site.css')}|{static('js/notes.js')}"
    settings.STATIC_URL = "/assets/"
    moved = engines["django"].from_string(source).render({})
    assert moved.startswith("/assets/css/site") and moved == (
        f"{static('css/site.css')}|{static('js/notes.js')}"
    )
