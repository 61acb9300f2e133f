"""View counts: a viewer counts once a day per paper or note; obvious robots, HEAD
requests and a note's author reading their own note do not count."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from notes.models import Note, NoteView, Paper, PaperView
from notes.services import reactions
from notes.services.reactions import is_bot
from tests.conftest import BROWSER_AGENT, make_user
from tests.corpora import naughty_strings
from tests.factories import make_note, make_paper
from tests.threads import at_once

pytestmark = pytest.mark.django_db

OTHER_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Gecko/20100101 Firefox/128.0"


def _read(client: Client, url: str, agent: str = BROWSER_AGENT, address: str = "192.0.2.1"):
    response = client.get(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def _views(obj: Note | Paper) -> int:
    obj.refresh_from_db(fields=["view_count"])
    return obj.view_count


def test_a_reader_counts_once_a_day(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    url = f"/n/{note.pk}/"
    first = _read(bob_client, url)
    assert "1 view" in first.content.decode()  # the page shows the count with this view
    for _ in range(3):
        _read(bob_client, url)
    assert _views(note) == 1
    assert NoteView.objects.filter(note=note).count() == 1
    # The next day the same reader counts again.
    NoteView.objects.update(day=timezone.localdate() - timedelta(days=1))
    _read(bob_client, url)
    assert _views(note) == 2


def test_different_readers_count_separately(alice: User, bob_client, carol_client) -> None:
    paper = make_paper(alice)
    url = f"/papers/{paper.pk}/"
    _read(bob_client, url)
    _read(carol_client, url)
    _read(Client(), url)
    _read(Client(), url)  # the same browser at the same address
    _read(Client(), url, address="198.51.100.7")
    assert _views(paper) == 4
    assert PaperView.objects.filter(paper=paper).count() == 4
    # No address is stored, only a keyed hash of it.
    assert not PaperView.objects.filter(viewer__contains="192.0.2.1").exists()


def test_a_new_user_agent_is_not_a_new_viewer(alice: User) -> None:
    note = make_note(alice)
    url = f"/n/{note.pk}/"

    for n in range(15):
        _read(Client(), url, agent=f"Mozilla/5.0 (X11; Linux x86_64) Firefox/{100 + n}.0")
    _read(Client(), url, agent=OTHER_BROWSER)

    assert _views(note) == 1
    assert _views(note.paper) == 0
    _read(Client(), f"/papers/{note.paper_id}/", agent=OTHER_BROWSER)
    _read(Client(), f"/papers/{note.paper_id}/")
    assert _views(note.paper) == 1


def test_an_address_is_hashed_with_the_day(alice: User, monkeypatch) -> None:
    note = make_note(alice)
    url = f"/n/{note.pk}/"
    today = timezone.localdate()
    for day in (today - timedelta(days=1), today):
        monkeypatch.setattr(reactions, "view_day", lambda day=day: day)
        _read(Client(), url)

    yesterday, today_ = NoteView.objects.filter(note=note).order_by("day")
    assert (yesterday.day, today_.day) == (today - timedelta(days=1), today)
    assert yesterday.viewer != today_.viewer  # one day's rows cannot be matched with the next's
    assert _views(note) == 2


def test_the_hash_of_an_address_needs_the_secret_key(alice: User, settings) -> None:
    note = make_note(alice)
    _read(Client(), f"/n/{note.pk}/")
    settings.SECRET_KEY = "another secret key, of at least fifty characters, for this test"
    _read(Client(), f"/papers/{note.paper_id}/")

    assert NoteView.objects.get().viewer != PaperView.objects.get().viewer


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
        "SomeCrawler/1.0",
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.32.3",
    ],
)
def test_obvious_robots_do_not_count(alice: User, agent: str) -> None:
    note = make_note(alice)
    _read(Client(), f"/n/{note.pk}/", agent=agent)
    _read(Client(), f"/papers/{note.paper_id}/", agent=agent)
    assert _views(note) == 0
    assert _views(note.paper) == 0
    assert is_bot(agent)


def test_browsers_are_not_robots() -> None:
    assert not is_bot(BROWSER_AGENT)
    assert not is_bot(OTHER_BROWSER)


def test_an_author_reading_their_own_note_does_not_count(alice: User, alice_client: Client) -> None:
    note = make_note(alice)
    _read(alice_client, f"/n/{note.pk}/")
    assert _views(note) == 0
    # The paper page is not the author's: it counts.
    _read(alice_client, f"/papers/{note.paper_id}/")
    assert _views(note.paper) == 1


def test_a_head_request_does_not_count(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = bob_client.head(f"/n/{note.pk}/", HTTP_USER_AGENT=BROWSER_AGENT)
    assert response.status_code == 405  # the read pages answer GET only
    assert _views(note) == 0


def test_a_private_note_counts_nobody_who_cannot_read_it(alice: User, bob_client: Client) -> None:
    note = make_note(alice, visibility="private")
    response = bob_client.get(f"/n/{note.pk}/", HTTP_USER_AGENT=BROWSER_AGENT)
    assert response.status_code == 404
    assert _views(note) == 0
    assert not NoteView.objects.exists()


def test_view_counts_show_on_entries_and_the_paper_page(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    _read(bob_client, f"/n/{note.pk}/")
    _read(bob_client, f"/papers/{note.paper_id}/")
    assert "1 view" in Client().get("/").content.decode()
    paper_page = Client().get(f"/papers/{note.paper_id}/").content.decode()
    assert "· 1 view" in paper_page


def test_saving_a_note_keeps_its_view_count(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    stale = Note.objects.get(pk=note.pk)
    _read(bob_client, f"/n/{note.pk}/")
    stale.save()
    assert _views(note) == 1


def test_hostile_user_agents_never_break_a_page(alice: User) -> None:
    note = make_note(alice)
    for agent in naughty_strings():
        if "\n" in agent or "\r" in agent:
            continue  # not a possible header value
        response = Client().get(f"/n/{note.pk}/", HTTP_USER_AGENT=agent)
        assert response.status_code == 200, repr(agent)
    assert _views(note) == NoteView.objects.filter(note=note).count() > 0


@pytest.mark.django_db(transaction=True)
def test_readers_at_the_same_moment_count_once_each() -> None:
    alice = make_user("alice")
    note = make_note(alice)
    url = f"/n/{note.pk}/"
    errors = at_once(4, lambda i: _read(Client(), url))  # one browser, four reloads
    assert not errors
    assert _views(note) == 1
    errors = at_once(4, lambda i: _read(Client(), url, address=f"203.0.113.{i + 1}"))
    assert not errors
    assert _views(note) == 5 == NoteView.objects.filter(note=note).count()


def test_old_view_records_are_pruned_and_the_counts_stay(alice: User, bob_client) -> None:
    note = make_note(alice)
    _read(bob_client, f"/n/{note.pk}/")
    _read(bob_client, f"/papers/{note.paper_id}/")
    NoteView.objects.update(day=timezone.localdate() - timedelta(days=5))
    out = StringIO()
    call_command("prune_views", stdout=out)
    assert "Deleted 1 old view records." in out.getvalue()
    assert not NoteView.objects.exists()
    assert PaperView.objects.count() == 1  # today's record is still needed
    assert _views(note) == 1
