"""The stored counts of public notes follow every change that can move a note in a list."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from accounts.models import User
from notes.caching import public_counts
from notes.models import ModerationVerb, Note, Visibility
from notes.services import NoteContent, note_restore, note_save, note_trash
from notes.services.moderation import flag, moderate
from tests.conftest import client_for
from tests.factories import make_note

pytestmark = pytest.mark.django_db


def _expected() -> dict[str, int]:
    listed = Note.objects.filter(
        visibility=Visibility.PUBLIC, deleted_at__isnull=True, hidden_at__isnull=True
    )
    counts = Counter({public_counts.ALL: listed.count()})
    for tags in listed.values_list("tag_names", flat=True):
        counts.update(public_counts.tag_key(tag) for tag in tags)
    return {key: n for key, n in counts.items() if n}


def _stored() -> dict[str, int]:
    # As the site reads them: the stored counts with this transaction's own changes, which
    # are added to the stored rows as it commits (see test_generations for that part).
    return public_counts.public_counts_starting("")


def _change(note: Note, *, tags: list[str], visibility: str) -> Note:
    content = NoteContent(body=note.body, tags=tags, visibility=visibility)
    return note_save(note=note, user=note.author, content=content, base_revision=note.revision)


def test_counts_follow_new_notes_revisions_trash_and_restore(alice: User, bob: User) -> None:
    first = make_note(alice, tags=["optics", "lasers"])
    second = make_note(bob, tags=["optics"])
    make_note(bob, tags=["optics", "secret"], visibility=Visibility.PRIVATE)
    assert _stored() == _expected() == {"*": 2, "tag:optics": 2, "tag:lasers": 1}

    first = _change(first, tags=["lasers", "quantum"], visibility=Visibility.PUBLIC)
    assert _stored() == _expected() == {"*": 2, "tag:optics": 1, "tag:lasers": 1, "tag:quantum": 1}

    second = _change(second, tags=["optics"], visibility=Visibility.PRIVATE)
    assert _stored() == _expected() == {"*": 1, "tag:lasers": 1, "tag:quantum": 1}

    note_trash(note=first)
    assert _stored() == _expected() == {}
    note_trash(note=first)  # trashing twice counts once
    assert _stored() == {}

    note_restore(note=first)
    second = _change(second, tags=["optics"], visibility=Visibility.PUBLIC)
    assert _stored() == _expected() == {"*": 2, "tag:optics": 1, "tag:lasers": 1, "tag:quantum": 1}


def test_rebuild_gives_the_counts_the_services_keep(alice: User, bob: User) -> None:
    notes = [make_note(alice if i % 2 else bob, tags=[f"t{i % 3}", "all"]) for i in range(6)]
    note_trash(note=notes[0])
    _change(notes[1], tags=["other"], visibility=Visibility.PRIVATE)
    kept = _stored()
    public_counts.rebuild()
    assert _stored() == kept == _expected()


def test_tag_pages_count_private_notes_only_for_their_owner(alice: User, bob: User) -> None:
    for _ in range(20):
        make_note(bob, tags=["optics"])
    secret = make_note(alice, tags=["optics"], visibility=Visibility.PRIVATE)
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)

    for client in (Client(), bob_client):
        html = client.get("/tags/optics/").content.decode()
        assert "Page 1 of" not in html  # twenty notes: one page
    mine = alice_client.get("/tags/optics/").content.decode()
    assert "Page 1 of 2" in mine
    assert f'id="n{secret.pk}"' in mine + alice_client.get("/tags/optics/?page=2").content.decode()
    assert "Page 1 of 2" in alice_client.get("/").content.decode()
    assert "Page 1 of" not in Client().get("/").content.decode()


def test_deleting_an_author_takes_their_notes_out_of_the_counts(alice: User, bob: User) -> None:
    make_note(alice, tags=["optics"])
    make_note(alice, tags=["optics", "lasers"])
    make_note(bob, tags=["optics"])
    alice.delete()
    assert _stored() == _expected() == {"*": 1, "tag:optics": 1}


def test_hiding_takes_a_note_out_of_the_counts_and_restoring_brings_it_back(
    alice: User, bob: User, staff: User
) -> None:
    hidden = make_note(alice, tags=["optics", "lasers"])
    make_note(bob, tags=["optics"])
    flag(flagger=bob, item=hidden, reason="spam")  # staff act only on what is flagged
    moderate(actor=staff, item=hidden, verb=ModerationVerb.HIDE)
    assert _stored() == _expected() == {public_counts.ALL: 1, public_counts.tag_key("optics"): 1}
    # Its author still sees it, and their lists still hold every note they can see.
    for client, expected in ((Client(), 1), (client_for(alice), 2)):
        html = client.get("/tags/optics/").content.decode()
        assert html.count('class="entry"') == expected
    moderate(actor=staff, item=Note.objects.get(pk=hidden.pk), verb=ModerationVerb.RESTORE)
    assert _stored() == _expected()
    assert _stored()[public_counts.tag_key("lasers")] == 1


def test_tag_counts_are_cached_until_the_next_public_change(
    alice: User, bob: User, staff: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = make_note(alice, tags=["optics"])
    client = Client()
    assert "optics" in client.get("/tags/").content.decode()  # cached now
    with CaptureQueriesContext(connection) as warm:
        assert "optics" in client.get("/tags/").content.decode()
    assert not any("notes_publiccount" in q["sql"] for q in warm.captured_queries)
    # Nothing forgets the cached counts: the public generation moves on with each
    # change, as seen by every process.
    make_note(alice, tags=["lasers"])
    assert "lasers" in client.get("/tags/").content.decode()
    flag(flagger=bob, item=first, reason="spam")  # staff act only on what is flagged
    moderate(actor=staff, item=first, verb=ModerationVerb.HIDE)
    assert "optics" not in client.get("/tags/").content.decode()
    assert client.get("/tags/autocomplete/?q=opt").json() == {"tags": []}


def test_a_paper_renamed_in_the_admin_is_found_and_sorted_by_its_new_title(
    alice: User, staff: User
) -> None:
    note = make_note(alice)
    paper = note.paper
    request = RequestFactory().post("/admin/")
    request.user = staff
    paper.title = "Zymurgy of quasicrystals"
    site._registry[type(paper)].save_model(request, paper, form=None, change=True)
    assert Note.objects.get(pk=note.pk).paper_title == "Zymurgy of quasicrystals"
    found = Client().get("/search/", {"q": "zymurgy"}).content.decode()
    assert f'id="n{note.pk}"' in found
    assert paper.history.first().history_user == staff
