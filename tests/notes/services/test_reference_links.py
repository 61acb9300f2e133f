"""``{N}`` links follow their target: when a note is made private or public, trashed or
restored, hidden or restored by moderators, the notes and comments that cite it are
rendered again (same text, same revision, no history row)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import set_script_prefix

from accounts.models import User
from notes import services
from notes.models import Comment, CommentReference, Note, NoteReference, Visibility
from notes.services import NoteContent, moderation, note_restore, note_revert, note_save, note_trash
from notes.services.comments import comment_edit
from notes.services.notes import note_href
from tests.conftest import client_for, make_user
from tests.factories import make_comment, make_note, make_paper
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db


def _link(target: Note) -> str:
    return f'href="/n/{target.pk}/"'


def _set_visibility(target: Note, visibility: str) -> None:
    target = Note.objects.get(pk=target.pk)
    note_save(
        note=target,
        user=target.author,
        content=NoteContent(body=target.body, tags=target.tag_names, visibility=visibility),
        base_revision=target.revision,
    )


def _hide(target: Note, staff: User) -> None:
    moderation.flag(flagger=make_user("dave"), item=target, reason="spam")
    moderation.moderate(actor=staff, item=Note.objects.get(pk=target.pk), verb="hide")


def _unhide(target: Note, staff: User) -> None:
    moderation.moderate(actor=staff, item=Note.objects.get(pk=target.pk), verb="restore")


Change = Callable[[Note, User], None]
# name: (the target's state when cited, the change, whether links show after it)
TRANSITIONS: dict[str, tuple[str, Change, bool]] = {
    "public to private": ("public", lambda t, s: _set_visibility(t, "private"), False),
    "private to public": ("private", lambda t, s: _set_visibility(t, "public"), True),
    "trash": ("public", lambda t, s: note_trash(note=Note.objects.get(pk=t.pk)), False),
    "restore from the trash": ("trashed", lambda t, s: note_restore(note=t), True),
    "hide": ("public", _hide, False),
    "restore by moderators": ("hidden", _unhide, True),
}


def _target_in_state(alice: User, bob: User, staff: User, state: str) -> Note:
    target = make_note(alice, body="The cited note.", visibility=Visibility.PUBLIC)
    if state == "private":
        _set_visibility(target, "private")
    elif state == "trashed":
        note_trash(note=target)
    elif state == "hidden":
        moderation.flag(flagger=bob, item=target, reason="spam")
        moderation.moderate(actor=staff, item=target, verb="hide")
    return Note.objects.get(pk=target.pk)


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_links_in_notes_and_comments_follow_their_target(
    alice: User, bob: User, carol: User, staff: User, transition: str
) -> None:
    state, change, linked_after = TRANSITIONS[transition]
    target = _target_in_state(alice, bob, staff, state)
    run_jobs()
    body = f"As {{{target.pk}}} shows."
    citing = make_note(bob, make_paper(bob), body=body)
    on_note = make_note(carol, make_paper(carol))
    comment = make_comment(on_note, bob, body)
    linked_before = state == "public"
    assert (_link(target) in citing.body_html) is linked_before
    assert (_link(target) in comment.body_html) is linked_before

    change(target, staff)
    run_jobs()

    citing_after = Note.objects.get(pk=citing.pk)
    comment_after = Comment.objects.get(pk=comment.pk)
    assert (_link(target) in citing_after.body_html) is linked_after
    assert (_link(target) in comment_after.body_html) is linked_after
    # Same text, same revision, no history row.
    assert (citing_after.body, citing_after.revision) == (body, 0)
    assert citing_after.history.count() == 1
    assert (comment_after.body, comment_after.edited_at) == (body, None)
    assert comment_after.history.count() == 1
    # What readers get: the citing note's page links the target only while it is readable.
    page = Client().get(f"/n/{citing.pk}/").content.decode()
    assert (_link(target) in page) is linked_after
    # The rows stay, so the next change finds the texts again.
    assert NoteReference.objects.get(source=citing, target=target).linked is linked_after
    assert CommentReference.objects.filter(comment=comment, target=target).exists()


def test_the_round_trip_through_the_site(alice: User, bob: User) -> None:
    """B cites A's public note; A makes it private with the edit form, then public again."""
    target = make_note(alice, body="A's note.", tags=["t"])
    citing = make_note(bob, make_paper(bob), body=f"See {{{target.pk}}}.")
    alice_client = client_for(alice)
    edit = {"body": "A's note.", "tags": "t", "visibility": "private"}
    alice_client.post(f"/n/{target.pk}/edit/", {**edit, "base_revision": "0"})
    run_jobs()
    reader = Client()
    assert _link(target) not in reader.get(f"/n/{citing.pk}/").content.decode()
    assert "Referenced by" not in alice_client.get(f"/n/{target.pk}/").content.decode()
    alice_client.post(
        f"/n/{target.pk}/edit/", {**edit, "visibility": "public", "base_revision": "1"}
    )
    run_jobs()
    assert _link(target) in reader.get(f"/n/{citing.pk}/").content.decode()
    target_page = reader.get(f"/n/{target.pk}/").content.decode()
    assert "Referenced by" in target_page and f'href="/n/{citing.pk}/"' in target_page


def test_a_revert_that_changes_visibility_relinks_too(alice: User, bob: User) -> None:
    target = make_note(alice, body="Draft.", visibility=Visibility.PRIVATE)
    citing = make_note(bob, make_paper(bob), body=f"See {{{target.pk}}}.")
    _set_visibility(target, "public")
    run_jobs()
    assert _link(target) in Note.objects.get(pk=citing.pk).body_html
    note_revert(note=Note.objects.get(pk=target.pk), user=alice, revision=0)
    run_jobs()
    assert _link(target) not in Note.objects.get(pk=citing.pk).body_html


def test_a_text_saved_while_it_is_rendered_again_keeps_its_own_rendering(
    alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relink renders what it read; a revision or an edit saved meanwhile (here: while
    the relink renders the old text) is left as its own save rendered it."""
    target = make_note(alice, body="Target.")
    citing = make_note(bob, make_paper(bob), body=f"Old note {{{target.pk}}}.")
    comment = make_comment(make_note(alice), bob, f"Old comment {{{target.pk}}}.")
    real_render = services.render_note_body

    def render_while_its_author_saves(*, author: User, body: str, id_prefix: str):
        if body.startswith("Old note"):
            note_save(
                note=Note.objects.get(pk=citing.pk),
                user=bob,
                content=NoteContent(
                    body=f"New note {{{target.pk}}}.", tags=[], visibility="public"
                ),
                base_revision=0,
            )
        if body.startswith("Old comment"):
            current = Comment.objects.select_related("note").get(pk=comment.pk)
            comment_edit(comment=current, user=bob, body=f"New comment {{{target.pk}}}.")
        return real_render(author=author, body=body, id_prefix=id_prefix)

    monkeypatch.setattr(services.notes, "render_note_body", render_while_its_author_saves)
    Note.objects.filter(pk=target.pk).update(visibility="private")
    services.relink_references_to(target=target)
    citing_after = Note.objects.get(pk=citing.pk)
    assert citing_after.revision == 1 and "New note" in citing_after.body_html
    assert "New comment" in Comment.objects.get(pk=comment.pk).body_html


def test_references_are_kept_for_targets_that_were_not_linkable(
    alice: User, bob: User, staff: User
) -> None:
    private = make_note(alice, visibility=Visibility.PRIVATE)
    public = make_note(alice)
    body = f"{{{private.pk}}} and {{{public.pk}}} and {{999999}} and `{{{public.pk}}}`"
    citing = make_note(bob, make_paper(bob), body=body)
    rows = dict(NoteReference.objects.filter(source=citing).values_list("target_id", "linked"))
    assert rows == {private.pk: False, public.pk: True}  # no row for a note that does not exist
    comment = make_comment(public, bob, body)
    assert set(
        CommentReference.objects.filter(comment=comment).values_list("target_id", flat=True)
    ) == {private.pk, public.pk}
    # Editing a comment keeps its rows equal to what it cites now.
    comment_edit(comment=comment, user=bob, body=f"Only {{{private.pk}}}")
    assert list(
        CommentReference.objects.filter(comment=comment).values_list("target_id", flat=True)
    ) == [private.pk]
    # "Referenced by" lists only the links.
    page = client_for(alice).get(f"/n/{private.pk}/").content.decode()
    assert "Referenced by" not in page


def test_the_migration_finds_what_existing_texts_cite(alice: User, bob: User) -> None:
    """Before the migration only links were kept, and nothing of comments."""
    migration = importlib.import_module("notes.migrations.0011_references_follow_their_target")
    private = make_note(alice, visibility=Visibility.PRIVATE)
    public = make_note(alice)
    body = f"{{{private.pk}}} and {{{public.pk}}} and {{999999}}"
    citing = make_note(bob, make_paper(bob), body=body)
    comment = make_comment(public, bob, body)
    NoteReference.objects.filter(linked=False).delete()
    CommentReference.objects.all().delete()
    with connection.cursor() as cursor:
        for statement in connection.ops.prepare_sql_script(migration.BACKFILL_SQL):
            cursor.execute(statement)
    rows = dict(NoteReference.objects.filter(source=citing).values_list("target_id", "linked"))
    assert rows == {private.pk: False, public.pk: True}
    assert set(
        CommentReference.objects.filter(comment=comment).values_list("target_id", flat=True)
    ) == {private.pk, public.pk}


def test_a_texts_note_links_are_the_note_pages_whatever_the_script_prefix(
    alice: User, bob: User
) -> None:
    target = make_note(bob, body="The target.")
    assert note_href(target.pk) == target.get_absolute_url() == f"/n/{target.pk}/"
    # Rendered during a request (or job) mounted under a prefix, the stored text is the same
    # as from any other: it is shown to all of them.
    set_script_prefix("/mounted/")
    try:
        assert target.get_absolute_url() == f"/mounted/n/{target.pk}/"
        citing = make_note(alice, body=f"See {{{target.pk}}}.")
    finally:
        set_script_prefix("/")
    assert f'<a class="note-ref" {_link(target)}>{{{target.pk}}}</a>' in citing.body_html
