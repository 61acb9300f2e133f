"""Flags and moderation: who may flag and act, repeated flags counting once, hidden
content gone for everyone but its author everywhere it could show, and the audit log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from notes.models import (
    Comment,
    Flag,
    FlagReason,
    ModerationAction,
    Note,
    Notification,
)
from notes.services import NoteContent, moderation, note_create
from tests.conftest import client_for, make_user
from tests.factories import make_comment, make_note, make_paper
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db


def _flagger() -> User:
    return User.objects.filter(username="watchful").first() or make_user("watchful")


def _moderate(staff: User, item: Note | Comment, verb: str) -> ModerationAction:
    """As the site does it: the action, then the jobs it queued (``{N}`` links)."""
    action = moderation.moderate(actor=staff, item=item, verb=verb)
    run_jobs()
    return action


def _hide(staff: User, item: Note | Comment) -> ModerationAction:
    """Flag ``item`` and hide it: moderators act only on flagged items."""
    moderation.flag(flagger=_flagger(), item=item, reason="spam")
    return _moderate(staff, item, "hide")


def _act(client: Client, item: Note | Comment, verb: str, message: str = ""):
    kind = "note" if isinstance(item, Note) else "comment"
    return client.post(
        "/moderation/act/", {"kind": kind, "item": item.pk, "verb": verb, "message": message}
    )


# -------------------------------------------------------------------------------- flags


def test_flagging_a_note_and_a_comment(alice: User, bob: User, bob_client: Client) -> None:
    note = make_note(alice)
    comment = make_comment(note, alice, "a comment")
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert f'href="/n/{note.pk}/flag/"' in page
    assert f'href="/n/{note.pk}/c/{comment.pk}/flag/"' in page
    form = bob_client.get(f"/n/{note.pk}/flag/")
    assert form.status_code == 200 and b"Spam" in form.content
    response = bob_client.post(f"/n/{note.pk}/flag/", {"reason": "spam"})
    assert response.status_code == 302 and response["Location"] == f"/n/{note.pk}/"
    response = bob_client.post(
        f"/n/{note.pk}/c/{comment.pk}/flag/", {"reason": "other", "text": "off topic"}
    )
    assert response["Location"] == f"/n/{note.pk}/#c{comment.pk}"
    flags = list(Flag.objects.order_by("pk").values_list("note_id", "comment_id", "reason", "text"))
    assert flags == [(note.pk, None, "spam", ""), (None, comment.pk, "other", "off topic")]


def test_other_needs_words_and_a_bad_reason_is_refused(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = bob_client.post(f"/n/{note.pk}/flag/", {"reason": "other", "text": "  "})
    assert response.status_code == 400
    assert "needs a few words" in response.content.decode()
    response = bob_client.post(f"/n/{note.pk}/flag/", {"reason": "<script>"})
    assert response.status_code == 400 and b"Choose a reason." in response.content
    response = bob_client.post(f"/n/{note.pk}/flag/", {"reason": "abuse", "text": "x" * 1001})
    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_repeated_flags_by_the_same_person_count_once(
    alice: User, bob: User, carol: User, bob_client: Client, staff_client: Client
) -> None:
    note = make_note(alice)
    for reason in ("spam", "abuse", "spam"):
        bob_client.post(f"/n/{note.pk}/flag/", {"reason": reason})
    client_for(carol).post(f"/n/{note.pk}/flag/", {"reason": "copyright"})
    assert Flag.objects.open().count() == 2
    queue = staff_client.get("/moderation/")
    [entry] = queue.context["page"]
    assert entry.item == note and len(entry.flags) == 2
    assert entry.reasons == ["Copyright infringement", "Spam"]
    # After staff settle it, a new flag by the same person opens it again.
    _act(staff_client, note, "dismiss")
    bob_client.post(f"/n/{note.pk}/flag/", {"reason": "spam"})
    assert Flag.objects.open().count() == 1


def test_flag_permissions(alice: User, bob: User, carol: User) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "bob's comment")
    private = make_note(alice, visibility="private")
    urls = {"note": f"/n/{note.pk}/flag/", "comment": f"/n/{note.pk}/c/{comment.pk}/flag/"}
    anonymous = Client()
    for url in urls.values():
        response = anonymous.post(url, {"reason": "spam"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # Nobody flags what they wrote.
    assert client_for(alice).post(urls["note"], {"reason": "spam"}).status_code == 403
    assert client_for(bob).post(urls["comment"], {"reason": "spam"}).status_code == 403
    # Nor what they cannot see.
    assert client_for(carol).post(f"/n/{private.pk}/flag/", {"reason": "spam"}).status_code == 404
    assert client_for(carol).post(f"/n/{note.pk}/c/99999/flag/").status_code == 404
    assert not Flag.objects.exists()
    assert b"/flag/" not in client_for(alice).get(f"/n/{private.pk}/").content


# ---------------------------------------------------------------------- the queue's gate


def test_only_staff_see_the_queue_and_act(
    alice: User, bob: User, staff: User, staff_client: Client
) -> None:
    note = make_note(alice)
    moderation.flag(flagger=bob, item=note, reason="spam")
    anonymous = Client()
    assert anonymous.get("/moderation/").status_code == 302
    assert _act(anonymous, note, "hide").status_code == 302
    for user in (alice, bob):  # the author and another user
        client = client_for(user)
        assert client.get("/moderation/").status_code == 403
        assert _act(client, note, "hide").status_code == 403
        assert b'href="/moderation/"' not in client.get("/").content
    note.refresh_from_db()
    assert not note.is_hidden and not ModerationAction.objects.exists()
    assert b'href="/moderation/"' in staff_client.get("/").content
    assert staff_client.get("/moderation/").status_code == 200
    assert _act(staff_client, note, "hide").status_code == 302
    note.refresh_from_db()
    assert note.is_hidden and note.hidden_by == staff


def test_bad_moderation_requests_are_4xx(alice: User, staff_client: Client) -> None:
    note = make_note(alice)
    assert staff_client.post("/moderation/act/", {"kind": "note", "item": "x"}).status_code == 400
    assert _act(staff_client, note, "delete").status_code == 400
    bad_kind = {"kind": "paper", "item": note.pk, "verb": "hide"}
    assert staff_client.post("/moderation/act/", bad_kind).status_code == 400
    missing = {"kind": "note", "item": 999999, "verb": "hide"}
    assert staff_client.post("/moderation/act/", missing).status_code == 404
    assert staff_client.get("/moderation/act/").status_code == 405


# ------------------------------------------------------------------- actions and log


def test_hide_restore_dismiss_are_logged_and_settle_flags(
    alice: User, bob: User, staff: User, staff_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, alice, "spammy")
    moderation.flag(flagger=bob, item=note, reason="spam")
    moderation.flag(flagger=bob, item=comment, reason="abuse")
    _act(staff_client, note, "hide", "advertising")
    _act(staff_client, note, "restore", "was fine after all")
    _act(staff_client, comment, "dismiss")
    # Restoring what is not hidden is a 404, as acting on anything that does not apply.
    assert _act(staff_client, note, "restore").status_code == 404
    log = list(
        ModerationAction.objects.order_by("pk").values_list(
            "actor__username", "verb", "note_id", "comment_id", "flag_count", "message"
        )
    )
    assert log == [
        ("staff", "hide", note.pk, None, 1, "advertising"),
        ("staff", "restore", note.pk, None, 0, "was fine after all"),
        ("staff", "dismiss", None, comment.pk, 1, ""),
    ]
    assert not Flag.objects.open().exists()
    page = staff_client.get("/moderation/").content.decode()
    assert "Nothing is waiting" in page
    assert f"hid note {{{note.pk}}} by alice" in page
    assert "was fine after all" in page
    assert f"dismissed the flags on comment {comment.pk} by alice" in page


def test_the_queue_shows_who_flagged_what_and_why(
    alice: User, bob: User, carol: User, staff_client: Client
) -> None:
    note = make_note(alice, body="Buy cheap pills")
    moderation.flag(flagger=bob, item=note, reason="other", text="<b>odd</b> links")
    page = staff_client.get("/moderation/").content.decode()
    assert "Buy cheap pills" in page and "Bob Builder" in page
    assert "Something else (say what)" in page
    assert "&lt;b&gt;odd&lt;/b&gt; links" in page and "<b>odd</b>" not in page


def test_a_hidden_item_is_listed_for_restore(
    alice: User, bob: User, staff: User, staff_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, alice, "hidden words")
    _hide(staff, comment)
    page = staff_client.get("/moderation/")
    assert [e.item for e in page.context["hidden"]] == [comment]
    _act(staff_client, comment, "restore")
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_hiding_is_not_a_revision(alice: User, staff: User) -> None:
    note = make_note(alice)
    comment = make_comment(note, alice, "words")
    _hide(staff, note)
    _hide(staff, comment)
    assert note.history.count() == 1 and comment.history.count() == 1


def test_moderation_queue_query_count_does_not_grow(
    alice: User, bob: User, staff: User, staff_client: Client
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get("/moderation/").status_code == 200
        return len(ctx)

    note = make_note(alice)
    moderation.flag(flagger=bob, item=note, reason="spam")
    _hide(staff, make_comment(note, alice, "c"))
    small = count()
    for i in range(12):
        flagger = make_user(f"flagger{i}")
        item = make_note(alice) if i % 2 else make_comment(note, alice, f"c{i}")
        moderation.flag(flagger=flagger, item=item, reason="spam")
        moderation.flag(flagger=bob, item=item, reason="abuse")
        if i % 3 == 0:
            _hide(staff, item)
    assert count() == small <= 10


# ---------------------------------------------------------------- hidden means hidden


@pytest.fixture
def hidden_note(alice: User, bob: User, staff: User) -> Note:
    """alice's public note tagged "quarantine", referenced by bob, then hidden by staff."""
    paper = make_paper(alice, title="Zymurgy of quarantine")
    note = make_note(alice, paper, body="zymurgical findings", tags=["quarantine"])
    make_note(bob, paper, body=f"see {{{note.pk}}}", tags=["other"])
    _hide(staff, note)
    return note


@pytest.mark.parametrize("who", ["anonymous", "bob", "staff"])
def test_a_hidden_note_is_gone_for_everyone_else_everywhere(
    hidden_note: Note, bob: User, staff: User, who: str
) -> None:
    client = {"anonymous": Client(), "bob": client_for(bob), "staff": client_for(staff)}[who]
    pk = hidden_note.pk
    for url in (f"/n/{pk}/", f"/n/{pk}/history/", f"/n/{pk}/r/0/", f"/n/{pk}/print/"):
        assert client.get(url).status_code == 404, url
    lists = [
        "/",
        "/tags/quarantine/",
        "/u/alice/",
        "/search/?q=zymurgical",
        "/feeds/notes/",
        "/feeds/tags/quarantine/",
        "/feeds/users/alice/",
        "/feeds/search/?q=zymurgical",
        f"/papers/{hidden_note.paper_id}/",
    ]
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"zymurgical findings" not in response.content, url
        assert f'href="/n/{pk}/"'.encode() not in response.content, url
    assert "quarantine" not in client.get("/tags/").content.decode()
    assert client.get("/tags/autocomplete/?q=quar").json() == {"tags": []}
    papers = client.get("/papers/").content.decode()
    assert "1 public summary" in papers and "2 public summaries" not in papers
    bob_note = Note.objects.get(author=bob)
    referenced = client.get(f"/n/{bob_note.pk}/").content.decode()
    assert "Other summaries" in referenced and "zymurgical" not in referenced
    # The paper shows one summary: bob's.
    summaries = client.get(f"/papers/{hidden_note.paper_id}/").context["summaries"]
    assert [entry.pk for entry in summaries] == [bob_note.pk]


def test_the_author_still_sees_a_hidden_note_marked_hidden(
    hidden_note: Note, alice_client: Client
) -> None:
    page = alice_client.get(f"/n/{hidden_note.pk}/").content.decode()
    assert "zymurgical findings" in page
    assert "Moderators have hidden this note" in page
    for url in ("/", "/u/alice/", "/tags/quarantine/", "/search/?q=zymurgical"):
        html = alice_client.get(url).content.decode()
        assert "zymurgical" in html and "hidden by moderators" in html, url
    assert "quarantine" in alice_client.get("/tags/").content.decode()
    # Feeds are public whoever asks: not even the author's feed reader gets it.
    assert b"zymurgical" not in alice_client.get("/feeds/users/alice/").content


def test_a_new_reference_to_a_hidden_note_is_plain_text(hidden_note: Note, carol: User) -> None:
    note = note_create(
        paper=make_paper(carol),
        author=carol,
        content=NoteContent(body=f"compare {{{hidden_note.pk}}}", tags=[], visibility="public"),
    )
    assert f'href="/n/{hidden_note.pk}/"' not in note.body_html
    assert f"{{{hidden_note.pk}}}" in note.body_text
    referenced_by = client_for(hidden_note.author).get(f"/n/{hidden_note.pk}/")
    assert referenced_by.status_code == 200


def test_links_to_a_note_turn_to_plain_text_while_it_is_hidden(
    hidden_note: Note, bob: User, staff: User
) -> None:
    referring = Note.objects.get(author=bob)
    assert f'href="/n/{hidden_note.pk}/"' not in referring.body_html
    assert f"see {{{hidden_note.pk}}}" in referring.body_text
    assert referring.history.count() == 1  # not a revision
    _moderate(staff, hidden_note, "restore")
    referring.refresh_from_db()
    assert f'href="/n/{hidden_note.pk}/"' in referring.body_html


def test_restoring_brings_a_note_back(hidden_note: Note, staff: User) -> None:
    moderation.moderate(actor=staff, item=hidden_note, verb="restore")
    assert Client().get(f"/n/{hidden_note.pk}/").status_code == 200
    assert "quarantine" in Client().get("/tags/").content.decode()
    assert b"zymurgical" in Client().get("/feeds/notes/").content


def test_a_hidden_note_tells_nobody_of_its_revisions_and_leaves_inboxes(
    alice: User, bob: User, staff: User
) -> None:
    note = make_note(bob)
    make_comment(note, alice, "hello @bob")  # bob hears of alice's comment on his note
    mentioned = make_note(alice, body="hi @bob")
    assert Notification.objects.filter(recipient=bob).count() == 2
    _hide(staff, mentioned)
    inbox = client_for(bob).get("/notifications/")
    assert [n.note_id for n in inbox.context["page"]] == [note.pk]
    assert b'1<span class="visually-hidden"> unread' in inbox.content


# ------------------------------------------------------------------------- comments


def test_a_hidden_comment_is_gone_for_others_and_marked_for_its_author(
    alice: User, bob: User, carol: User, staff: User
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "objectionable words")
    make_comment(note, carol, "a fine comment")
    assert Note.objects.get(pk=note.pk).comment_count == 2
    _hide(staff, comment)
    assert Note.objects.get(pk=note.pk).comment_count == 1
    for client in (Client(), client_for(alice), client_for(carol), client_for(staff)):
        page = client.get(f"/n/{note.pk}/").content.decode()
        assert "objectionable" not in page and "a fine comment" in page
        assert "1 comment" in page
        assert client.get(f"/n/{note.pk}/c/{comment.pk}/history/").status_code == 404
    own = client_for(bob).get(f"/n/{note.pk}/").content.decode()
    assert "objectionable words" in own and "hidden by moderators" in own
    assert "1 comment" in client_for(bob).get("/").content.decode()
    # Nobody can answer it.
    response = client_for(carol).post(
        f"/n/{note.pk}/comments/", {"body": "reply", "parent": comment.pk}
    )
    assert response.status_code == 400


def test_a_hidden_comment_with_replies_stays_as_a_bare_placeholder(
    alice: User, bob: User, carol: User, staff: User
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "objectionable words")
    make_comment(note, carol, "an answer", comment)
    _hide(staff, comment)
    page = client_for(alice).get(f"/n/{note.pk}/").content.decode()
    assert "an answer" in page and "[hidden by moderators]" in page
    assert "objectionable" not in page and "Bob Builder" not in page


def test_counts_stay_right_through_hide_delete_and_restore(
    alice: User, bob: User, staff: User
) -> None:
    from notes.services.comments import comment_delete

    note = make_note(alice)
    comment = make_comment(note, bob, "words")
    _hide(staff, comment)
    comment_delete(comment=Comment.objects.get(pk=comment.pk))
    assert Note.objects.get(pk=note.pk).comment_count == 0
    # A deleted comment is nobody's to read, so there is nothing to restore.
    with pytest.raises(moderation.NothingToDo):
        moderation.moderate(actor=staff, item=Comment.objects.get(pk=comment.pk), verb="restore")
    assert Note.objects.get(pk=note.pk).comment_count == 0
    other = make_comment(note, bob, "more words")
    _hide(staff, other)
    moderation.moderate(actor=staff, item=other, verb="restore")
    assert Note.objects.get(pk=note.pk).comment_count == 1


def test_a_comment_flag_names_the_reason(alice: User, bob: User) -> None:
    note = make_note(alice)
    comment = make_comment(note, alice, "x")
    flag, created = moderation.flag(flagger=bob, item=comment, reason=FlagReason.COPYRIGHT)
    again, created_again = moderation.flag(flagger=bob, item=comment, reason=FlagReason.SPAM)
    assert created and not created_again and again == flag


@pytest.mark.django_db(transaction=True)
def test_a_moderator_holding_a_note_does_not_block_rows_that_refer_to_it(alice: User) -> None:
    """Moderation locks the note row without its key, so a comment, vote or reference being
    inserted meanwhile (whose foreign-key check takes KEY SHARE on the note) does not wait."""
    import psycopg
    from django.db import transaction

    note = make_note(alice)
    with transaction.atomic():
        moderation._lock(note)
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            other.execute("SET lock_timeout = '2s'")
            row = other.execute(
                "SELECT id FROM notes_note WHERE id = %s FOR KEY SHARE", [note.pk]
            ).fetchone()
    assert row == (note.pk,)
