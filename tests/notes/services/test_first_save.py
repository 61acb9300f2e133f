"""Several tabs saving their first summary of a paper at once: one is saved, every other
one gets the conflict page with its own text, ready to be saved on top (issue 11.3)."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from notes.models import Note
from notes.services import note_trash
from tests.conftest import client_for
from tests.factories import make_note, make_paper

TABS = 10
_BASE_RE = re.compile(r'name="base_revision" value="(\d+)"')


def _write(client: Client, paper_pk: int, body: str):
    payload = {"body": body, "tags": "tabs", "visibility": "public", "save": "1"}
    return client.post(f"/papers/{paper_pk}/write/", payload)


def _assert_conflict_page_keeps(response, body: str, head: Note) -> None:
    html = response.content.decode()
    assert response.status_code == 409
    assert escape(body) in html  # the tab's own text, in the editor
    assert f'action="/n/{head.pk}/edit/"' in html  # saved on top of the summary that exists
    assert _BASE_RE.search(html).group(1) == str(head.revision)


@pytest.mark.django_db(transaction=True)
def test_ten_tabs_saving_a_first_summary_at_once_lose_no_text(alice: User) -> None:
    paper = make_paper(alice)
    bodies = [f"Tab {i} wrote this summary." for i in range(TABS)]
    responses: dict[str, object] = {}
    start = threading.Barrier(TABS)

    def tab(body: str) -> None:
        try:
            client = client_for(alice)
            client.raise_request_exception = False
            start.wait()
            responses[body] = _write(client, paper.pk, body)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(responses) == sorted(bodies)
    note = Note.objects.get(paper=paper, author=alice)
    saved = [body for body, r in responses.items() if r.status_code == 302]
    assert saved == [note.body]  # one tab was told "saved", and it is the text stored
    assert responses[note.body]["Location"] == f"/n/{note.pk}/"
    assert note.history.count() == 1
    for body, response in responses.items():
        if body != note.body:
            _assert_conflict_page_keeps(response, body, note)


@pytest.mark.django_db
def test_a_first_summary_sent_after_one_exists_comes_back_to_be_saved_on_top(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice, body="Written in the first tab.")
    response = _write(alice_client, note.paper_id, "Written in the second tab.")
    _assert_conflict_page_keeps(response, "Written in the second tab.", note)
    assert "you already have one" in response.content.decode()

    # The form on the conflict page saves the text as the next revision.
    data = {
        "body": "Written in the second tab.",
        "tags": "tabs",
        "visibility": "public",
        "base_revision": _BASE_RE.search(response.content.decode()).group(1),
        "save": "1",
    }
    saved = alice_client.post(f"/n/{note.pk}/edit/", data)
    assert saved.status_code == 302
    assert list(note.history.order_by("revision").values_list("body", flat=True)) == [
        "Written in the first tab.",
        "Written in the second tab.",
    ]


@pytest.mark.django_db
def test_a_first_summary_sent_while_the_summary_is_in_the_trash_stays_in_the_form(
    alice: User, alice_client: Client
) -> None:
    note = note_trash(note=make_note(alice, body="In the trash."))
    response = _write(alice_client, note.paper_id, "A new text <for> it.")
    html = response.content.decode()
    assert response.status_code == 409
    assert escape("A new text <for> it.") in html
    assert "in your trash" in html
    assert Note.objects.get(pk=note.pk).body == "In the trash."


@pytest.mark.django_db
def test_opening_the_editor_for_a_paper_you_summarised_still_opens_your_summary(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice)
    assert alice_client.get(f"/papers/{note.paper_id}/write/")["Location"] == (
        f"/n/{note.pk}/edit/"
    )
