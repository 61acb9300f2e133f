"""Comments: posting and replying (plain and in place), threads, permalinks, editing with
history, deleting, removing, the comment count on entries, the rate and size limits."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import MAX_COMMENT_BYTES, Comment, Note
from notes.selectors.threads import MAX_DEPTH, build_thread
from notes.services.comments import comment_delete
from tests.factories import make_comment, make_note, make_paper

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _count(note: Note) -> int:
    return Note.objects.values_list("comment_count", flat=True).get(pk=note.pk)


def test_posting_a_comment_redirects_to_its_permalink(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": "Nice *summary*, $a_1$."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/n/{note.pk}/#c{comment.pk}"
    assert "<em>summary</em>" in comment.body_html
    assert "<math" in comment.body_html
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert f'id="c{comment.pk}"' in page
    assert "<em>summary</em>" in page
    assert _count(note) == 1


def test_posting_in_place_answers_with_the_comment_and_the_new_count(
    alice: User, bob_client: Client
) -> None:
    note = make_note(alice)
    response = bob_client.post(
        f"/n/{note.pk}/comments/",
        {"body": "In place"},
        HTTP_HX_TARGET="comments-list",
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    comment = Comment.objects.get()
    assert f'id="c{comment.pk}"' in html
    assert "In place" in html
    assert 'id="comment-count" hx-swap-oob="true">1 comment<' in html
    assert "<html" not in html


def test_a_reply_nests_under_its_comment(alice: User, bob: User, alice_client: Client) -> None:
    note = make_note(alice)
    first = make_comment(note, bob, "question?")
    response = alice_client.post(f"/n/{note.pk}/comments/", {"body": "answer", "parent": first.pk})
    reply = Comment.objects.get(parent=first)
    assert response["Location"] == f"/n/{note.pk}/#c{reply.pk}"
    assert reply.depth == 1
    page = alice_client.get(f"/n/{note.pk}/").content.decode()
    replies_start = page.index(f'id="c{first.pk}-replies"')
    assert page.index(f'id="c{reply.pk}"') > replies_start


def test_replies_nest_to_a_fixed_depth_then_continue_flat(alice: User, bob: User) -> None:
    note = make_note(alice)
    chain = [make_comment(note, bob, "level 0")]
    for level in range(1, MAX_DEPTH + 5):
        chain.append(make_comment(note, alice if level % 2 else bob, f"level {level}", chain[-1]))
    thread = build_thread(list(Comment.objects.for_thread(note)))
    node, depth = thread[0], 0
    while node.replies and node.nests and depth < MAX_DEPTH - 1:
        node, depth = node.replies[0], depth + 1
    assert depth == MAX_DEPTH - 1
    flat = node.replies
    assert [n.comment.body for n in flat] == [f"level {n}" for n in range(MAX_DEPTH, MAX_DEPTH + 5)]
    assert all(not n.nests and not n.replies for n in flat)
    assert flat[1].reply_to == chain[MAX_DEPTH]
    # Replying to a flattened comment in place appends to the same flat list.
    client = Client()
    client.force_login(alice)
    target = f"c{node.comment.pk}-replies"
    response = client.post(
        f"/n/{note.pk}/comments/",
        {"body": "deep reply", "parent": chain[-1].pk},
        HTTP_HX_TARGET=target,
        **HTMX,
    )
    assert response.status_code == 200
    assert f'hx-target="#{target}"' in response.content.decode()


def test_a_reply_to_a_comment_on_another_note_is_refused(alice: User, bob_client: Client) -> None:
    note, other = make_note(alice), make_note(alice)
    foreign = make_comment(other, alice)
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": "x", "parent": foreign.pk})
    assert response.status_code == 400
    assert "not on this note" in response.content.decode()
    assert not Comment.objects.filter(note=note).exists()


def test_an_empty_comment_gets_a_message(alice: User, bob_client: Client) -> None:
    note = make_note(alice)
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": "  \n "})
    assert response.status_code == 400
    assert "cannot be empty" in response.content.decode()
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": ""}, **HTMX)
    assert response.status_code == 400
    assert "cannot be empty" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_too_long_comment_gets_a_message_and_keeps_the_text(
    alice: User, bob_client: Client
) -> None:
    note = make_note(alice)
    body = "é" * (MAX_COMMENT_BYTES // 2 + 1)
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert "the limit is" in html
    assert body in html
    assert not Comment.objects.exists()
    ok = "é" * (MAX_COMMENT_BYTES // 2)
    assert bob_client.post(f"/n/{note.pk}/comments/", {"body": ok}).status_code == 302


def test_posting_is_rate_limited_per_user_with_a_message(
    alice: User, bob: User, bob_client: Client, carol_client: Client, settings
) -> None:
    settings.COMMENT_RATE_LIMIT = 3
    settings.COMMENT_RATE_WINDOW_SECONDS = 60
    note = make_note(alice)
    for n in range(3):
        assert bob_client.post(f"/n/{note.pk}/comments/", {"body": f"c{n}"}).status_code == 302
    response = bob_client.post(f"/n/{note.pk}/comments/", {"body": "one too many"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "faster than 3 comments in 60 seconds" in html
    assert "one too many" in html  # the text is kept
    in_place = bob_client.post(f"/n/{note.pk}/comments/", {"body": "again"}, **HTMX)
    assert in_place.status_code == 429
    assert "post it again in" in in_place.content.decode()
    assert Comment.objects.filter(author=bob).count() == 3
    # Another user is not affected.
    assert carol_client.post(f"/n/{note.pk}/comments/", {"body": "hi"}).status_code == 302


def test_the_rate_limit_window_ends(alice: User, bob_client: Client, settings, monkeypatch) -> None:
    from accounts import throttle

    settings.COMMENT_RATE_LIMIT = 1
    clock = [1000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    note = make_note(alice)
    assert bob_client.post(f"/n/{note.pk}/comments/", {"body": "a"}).status_code == 302
    assert bob_client.post(f"/n/{note.pk}/comments/", {"body": "b"}).status_code == 429
    clock[0] += settings.COMMENT_RATE_WINDOW_SECONDS
    assert bob_client.post(f"/n/{note.pk}/comments/", {"body": "c"}).status_code == 302


def test_editing_marks_the_comment_and_keeps_earlier_versions(
    alice: User, bob: User, bob_client: Client
) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "first words")
    page = bob_client.get(f"/n/{note.pk}/").content.decode()
    assert "edited</a>" not in page
    response = bob_client.post(f"/n/{note.pk}/c/{comment.pk}/edit/", {"body": "second **words**"})
    assert response.status_code == 302
    assert response["Location"] == f"/n/{note.pk}/#c{comment.pk}"
    comment.refresh_from_db()
    assert comment.is_edited
    assert "<strong>words</strong>" in comment.body_html
    page = Client().get(f"/n/{note.pk}/").content.decode()
    assert f'href="/n/{note.pk}/c/{comment.pk}/history/"' in page
    history = Client().get(f"/n/{note.pk}/c/{comment.pk}/history/").content.decode()
    assert "first words" in history
    assert "<strong>words</strong>" in history
    assert history.index("<strong>words</strong>") < history.index("first words")


def test_deleting_leaves_the_replies(alice: User, bob: User, bob_client: Client) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "regrettable words")
    reply = make_comment(note, alice, "a reply that stays", comment)
    assert _count(note) == 2
    assert "[deleted]" in bob_client.get(f"/n/{note.pk}/c/{comment.pk}/delete/").content.decode()
    response = bob_client.post(f"/n/{note.pk}/c/{comment.pk}/delete/")
    assert response.status_code == 302
    page = Client().get(f"/n/{note.pk}/").content.decode()
    assert "regrettable words" not in page
    assert "[deleted]" in page
    assert "a reply that stays" in page
    assert f'id="c{reply.pk}"' in page
    assert _count(note) == 1
    # A second delete changes nothing, and the text is not shown in its history either.
    bob_client.post(f"/n/{note.pk}/c/{comment.pk}/delete/")
    assert _count(note) == 1
    history = Client().get(f"/n/{note.pk}/c/{comment.pk}/history/").content.decode()
    assert "regrettable words" not in history


def test_a_deleted_comment_cannot_be_answered(alice: User, bob: User, alice_client: Client) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "gone soon")
    comment_delete(comment=comment)
    response = alice_client.post(f"/n/{note.pk}/comments/", {"body": "hi", "parent": comment.pk})
    assert response.status_code == 400
    assert "was deleted" in response.content.decode()


def test_the_note_owner_removes_a_comment(alice: User, bob: User, alice_client: Client) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "spam spam spam")
    response = alice_client.post(f"/n/{note.pk}/c/{comment.pk}/remove/")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.removed_by == alice
    page = Client().get(f"/n/{note.pk}/").content.decode()
    assert "spam spam spam" not in page
    assert "[removed]" in page
    assert _count(note) == 0


def test_entries_show_their_comment_count_linked(alice: User, bob: User) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper, tags=["counted"])
    make_comment(note, bob)
    make_comment(note, bob)
    link = f'<a class="entry__comments" href="/n/{note.pk}/#comments">2 comments</a>'
    for url in [
        "/",
        f"/papers/{paper.pk}/",
        "/tags/counted/",
        "/u/alice/",
        f"/n/{note.pk}/",
        "/search/?q=summary",
    ]:
        assert link in Client().get(url).content.decode(), url


def test_a_revision_keeps_the_comment_count(alice: User, bob: User) -> None:
    from tests.factories import revise

    note = make_note(alice)
    make_comment(note, bob)
    note = revise(note, "a new text")
    assert _count(note) == 1
    assert "comment_count" not in {f.name for f in note.history.model._meta.fields}


def test_comment_math_and_references_render_like_notes(alice: User, bob: User) -> None:
    note = make_note(alice)
    private = make_note(alice, visibility="private")
    comment = make_comment(
        note, bob, f"See {{{note.pk}}} and {{{private.pk}}}: $$\\frac{{a}}{{b}}$$ arXiv:1706.03762"
    )
    assert "<mfrac>" in comment.body_html
    assert f'href="/n/{note.pk}/"' in comment.body_html
    assert f'href="/n/{private.pk}/"' not in comment.body_html  # bob cannot read it
    assert "https://arxiv.org/abs/1706.03762" in comment.body_html
