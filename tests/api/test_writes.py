"""The API's writes: who may do what (the site's rule), token scopes, CSRF, conflicts."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.tokens import token_create
from notes.models import Comment, Follow, Note, Notification, Paper, Visibility
from tests.conftest import client_for
from tests.factories import make_comment, make_note, make_paper, revise

pytestmark = pytest.mark.django_db


def token_client(user, scope: str = "write") -> Client:
    _, raw = token_create(user=user, name="script", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: Client, method: str, url: str, data: object = None, **headers: str):
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def roles(alice, bob, staff) -> dict[str, Client]:
    """Every way of asking; alice owns what the test makes."""
    return {
        "anonymous": Client(),
        "owner session": client_for(alice),
        "owner token read": token_client(alice, "read"),
        "owner token write": token_client(alice, "write"),
        "other session": client_for(bob),
        "other token write": token_client(bob, "write"),
        "staff session": client_for(staff),
    }


# Who may change alice's public note: only alice, and by token only with the write scope.
UPDATE_CODES = {
    "anonymous": 401,
    "owner session": 200,
    "owner token read": 403,
    "owner token write": 200,
    "other session": 403,
    "other token write": 403,
    "staff session": 403,
}


@pytest.mark.parametrize("who", UPDATE_CODES)
def test_update_matrix_public_note(roles, alice, who) -> None:
    note = make_note(alice, body="first")
    response = send(
        roles[who], "patch", f"/api/v1/notes/{note.pk}/", {"body": "second", "base_revision": 0}
    )
    assert response.status_code == UPDATE_CODES[who], response.content
    note.refresh_from_db()
    assert note.body == ("second" if UPDATE_CODES[who] == 200 else "first")


@pytest.mark.parametrize("who", UPDATE_CODES)
def test_update_matrix_private_note(roles, alice, who) -> None:
    note = make_note(alice, body="first", visibility=Visibility.PRIVATE)
    response = send(
        roles[who], "patch", f"/api/v1/notes/{note.pk}/", {"body": "second", "base_revision": 0}
    )
    # Whoever may not read it does not learn it exists.
    expected = UPDATE_CODES[who] if who.startswith(("owner", "anonymous")) else 404
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("who", UPDATE_CODES)
def test_trash_and_restore_matrix(roles, alice, who) -> None:
    note = make_note(alice)
    trashed = send(roles[who], "delete", f"/api/v1/notes/{note.pk}/")
    assert trashed.status_code == UPDATE_CODES[who]
    note.refresh_from_db()
    assert note.in_trash is (UPDATE_CODES[who] == 200)
    if note.in_trash:
        restored = send(roles[who], "post", f"/api/v1/notes/{note.pk}/restore/")
        assert restored.status_code == 200
        note.refresh_from_db()
        assert not note.in_trash


def test_session_writes_need_csrf(alice) -> None:
    note = make_note(alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = send(client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "x", "base_revision": 0})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/accounts/profile/")
    token = client.cookies["csrftoken"].value
    response = send(
        client,
        "patch",
        f"/api/v1/notes/{note.pk}/",
        {"body": "x", "base_revision": 0},
        **{"X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_tokens_need_no_csrf(alice) -> None:
    _, raw = token_create(user=alice, name="s", scope="write")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    paper = make_paper(alice)
    response = send(client, "post", "/api/v1/notes/", {"paper": paper.pk, "body": "hello"})
    assert response.status_code == 201


def test_create_note_goes_through_the_services(alice) -> None:
    paper = make_paper(alice)
    client = token_client(alice)
    response = send(
        client,
        "post",
        "/api/v1/notes/",
        {"paper": paper.pk, "body": "Energy $E=mc^2$.", "tags": ["Physics", "#gr"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tags"] == ["gr", "physics"]
    assert "<math" in body["body_html"]
    assert response["ETag"] == f'"{body["id"]}-0"'
    note = Note.objects.get(pk=body["id"])
    assert note.history.count() == 1
    again = send(client, "post", "/api/v1/notes/", {"paper": paper.pk, "body": "twice"})
    assert again.status_code == 409
    assert again.json()["head"]["id"] == note.pk


def test_update_needs_its_base(alice) -> None:
    note = make_note(alice)
    client = token_client(alice)
    response = send(client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "new"})
    assert response.status_code == 428
    assert response["Content-Type"] == "application/problem+json"


def test_a_stale_edit_is_a_412_with_the_head_and_nothing_is_overwritten(alice) -> None:
    note = make_note(alice, body="base")
    revise(note, "someone else's edit")
    client = token_client(alice)
    stale = send(client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "mine", "base_revision": 0})
    assert stale.status_code == 412
    problem = stale.json()
    assert problem["head"]["revision"] == 1
    assert problem["head"]["body"] == "someone else's edit"
    note.refresh_from_db()
    assert note.body == "someone else's edit" and note.revision == 1


def test_if_match_with_the_etag(alice) -> None:
    note = make_note(alice, body="base")
    client = token_client(alice)
    etag = client.get(f"/api/v1/notes/{note.pk}/")["ETag"]
    first = send(
        client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "one"}, **{"If-Match": etag}
    )
    assert first.status_code == 200
    assert first["ETag"] == f'"{note.pk}-1"'
    again = send(
        client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "two"}, **{"If-Match": etag}
    )
    assert again.status_code == 412
    bad = send(client, "patch", f"/api/v1/notes/{note.pk}/", {"body": "x"}, **{"If-Match": "*"})
    assert bad.status_code == 412


def test_revert_makes_a_new_revision(alice, bob) -> None:
    note = make_note(alice, body="original")
    revise(note, "changed")
    assert (
        send(client_for(bob), "post", f"/api/v1/notes/{note.pk}/revisions/0/revert/").status_code
        == 403
    )
    response = send(token_client(alice), "post", f"/api/v1/notes/{note.pk}/revisions/0/revert/")
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["body"] == "original"
    missing = send(token_client(alice), "post", f"/api/v1/notes/{note.pk}/revisions/9/revert/")
    assert missing.status_code == 404


def test_bad_input_is_a_clear_4xx(alice) -> None:
    client = token_client(alice)
    paper = make_paper(alice)
    for data in (
        {},
        {"paper": paper.pk},
        {"paper": "x", "body": "a"},
        {"paper": paper.pk, "body": "a", "visibility": "secret"},
        {"paper": paper.pk, "body": "a\x00b"},
        {"paper": paper.pk, "body": "a", "tags": ["<b>"]},
        {"paper": 10**30, "body": "a"},
    ):
        response = send(client, "post", "/api/v1/notes/", data)
        assert response.status_code == 400, (data, response.content)
        assert response.json()["errors"]
    broken = client.post("/api/v1/notes/", data="{not json", content_type="application/json")
    assert broken.status_code == 400
    listed = client.post("/api/v1/notes/", data="[1]", content_type="application/json")
    assert listed.status_code == 400
    assert send(client, "post", "/api/v1/notes/", {"paper": 999999, "body": "a"}).status_code == 404


def test_a_huge_body_is_a_413(alice, settings) -> None:
    settings.API_MAX_BODY_BYTES = 2048
    paper = make_paper(alice)
    response = send(
        token_client(alice), "post", "/api/v1/notes/", {"paper": paper.pk, "body": "x" * 5000}
    )
    assert response.status_code == 413
    assert Note.objects.count() == 0


def test_note_text_is_sanitised(alice) -> None:
    paper = make_paper(alice)
    response = send(
        token_client(alice),
        "post",
        "/api/v1/notes/",
        {"paper": paper.pk, "body": '<script>alert(1)</script><a href="javascript:x()">y</a>'},
    )
    html = response.json()["body_html"]
    assert "<script" not in html and "javascript:" not in html


def test_add_a_paper_or_find_it(alice, bob) -> None:
    first = send(
        token_client(alice),
        "post",
        "/api/v1/papers/",
        {"title": "Attention", "arxiv_id": "arXiv:1706.03762v5"},
    )
    assert first.status_code == 201, first.content
    assert first.json()["arxiv_id"] == "1706.03762"
    again = send(
        token_client(bob), "post", "/api/v1/papers/", {"title": "dup", "arxiv_id": "1706.03762"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Paper.objects.count() == 1
    by_id = send(token_client(bob), "post", "/api/v1/papers/", {"arxiv_id": "arXiv:1706.03762"})
    assert by_id.status_code == 200 and by_id.json()["id"] == first.json()["id"]
    unknown = send(token_client(bob), "post", "/api/v1/papers/", {"arxiv_id": "1707.03389"})
    assert unknown.status_code == 400 and "title" in unknown.json()["errors"]
    bad = send(token_client(alice), "post", "/api/v1/papers/", {"title": "x", "doi": "nope"})
    assert bad.status_code == 400 and "doi" in bad.json()["errors"]
    assert send(Client(), "post", "/api/v1/papers/", {"title": "x"}).status_code == 401
    assert (
        send(token_client(alice, "read"), "post", "/api/v1/papers/", {"title": "x"}).status_code
        == 403
    )


def test_comment_matrix(alice, bob, carol, staff) -> None:
    note = make_note(alice)
    bobs = token_client(bob)
    posted = send(bobs, "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "Hi @alice"})
    assert posted.status_code == 201
    comment_id = posted.json()["id"]
    reply = send(
        token_client(alice),
        "post",
        f"/api/v1/notes/{note.pk}/comments/",
        {"body": "Thanks", "parent": comment_id},
    )
    assert reply.json()["depth"] == 1
    url = f"/api/v1/notes/{note.pk}/comments/{comment_id}/"
    assert send(token_client(carol), "patch", url, {"body": "hacked"}).status_code == 403
    assert send(token_client(bob, "read"), "patch", url, {"body": "x"}).status_code == 403
    assert send(bobs, "patch", url, {"body": "Hi again"}).json()["body"] == "Hi again"
    assert send(token_client(carol), "delete", url).status_code == 403
    assert send(client_for(staff), "delete", url).status_code == 200
    removed = Comment.objects.get(pk=comment_id)
    assert removed.removed_by == staff
    thread = Client().get(f"/api/v1/notes/{note.pk}/comments/").json()
    assert thread[0]["deleted"] is True and thread[0]["body"] == ""
    assert send(bobs, "delete", url).status_code == 404
    assert Notification.objects.filter(recipient=alice).exists()


def test_comments_on_a_private_note_are_a_404_for_others(alice, bob) -> None:
    note = make_note(alice, visibility=Visibility.PRIVATE)
    response = send(token_client(bob), "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "x"})
    assert response.status_code == 404


def test_comment_rate_limit_answers_429_with_retry_after(alice, bob, settings) -> None:
    settings.COMMENT_RATE_LIMIT = 1
    note = make_note(alice)
    client = token_client(bob)
    assert (
        send(client, "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "a"}).status_code == 201
    )
    second = send(client, "post", f"/api/v1/notes/{note.pk}/comments/", {"body": "b"})
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0


def test_api_rate_limit_per_token(alice, settings) -> None:
    settings.API_RATE_TOKEN = "2/minute"
    client = token_client(alice, "read")
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    limited = client.get("/api/v1/me/")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["status"] == 429
    # Another token of the same person has its own allowance.
    assert token_client(alice, "read").get("/api/v1/me/").status_code == 200


def test_api_rate_limit_per_address(alice, settings) -> None:
    settings.API_RATE_ANONYMOUS = "1/minute"
    assert Client().get("/api/v1/notes/").status_code == 200
    assert Client().get("/api/v1/notes/").status_code == 429


def test_votes_and_ratings(alice, bob) -> None:
    note = make_note(alice)
    client = token_client(bob)
    voted = send(client, "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": True})
    assert voted.json() == {"vote": True, "vote_count": 1}
    assert (
        send(client, "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": True}).json()["vote_count"]
        == 1
    )
    assert (
        send(client, "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": False}).json()["vote_count"]
        == 0
    )
    assert (
        send(
            token_client(alice), "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": True}
        ).status_code
        == 403
    )
    assert (
        send(Client(), "put", f"/api/v1/notes/{note.pk}/vote/", {"vote": True}).status_code == 401
    )
    rated = send(client, "put", f"/api/v1/papers/{note.paper_id}/rating/", {"stars": 4})
    assert rated.json() == {"stars": 4, "rating_count": 1, "rating_average": 4.0}
    assert (
        send(client, "put", f"/api/v1/papers/{note.paper_id}/rating/", {"stars": 9}).status_code
        == 400
    )
    cleared = send(client, "put", f"/api/v1/papers/{note.paper_id}/rating/", {"stars": None})
    assert cleared.json()["rating_count"] == 0


def test_follows(alice, bob) -> None:
    client = token_client(bob)
    paper = make_paper(alice)
    assert send(client, "post", "/api/v1/follows/", {"tag": "#Physics"}).status_code == 201
    assert send(client, "post", "/api/v1/follows/", {"user": "alice"}).status_code == 201
    assert send(client, "post", "/api/v1/follows/", {"paper": paper.pk}).status_code == 201
    assert send(client, "post", "/api/v1/follows/", {"user": "bob"}).status_code == 422
    assert (
        send(client, "post", "/api/v1/follows/", {"tag": "a", "user": "alice"}).status_code == 400
    )
    listed = client.get("/api/v1/follows/").json()
    assert {(f["tag"], f["user"], f["paper"]) for f in listed} == {
        ("physics", None, None),
        ("", "alice", None),
        ("", None, paper.pk),
    }
    assert send(client, "delete", "/api/v1/follows/", {"tag": "physics"}).status_code == 204
    assert Follow.objects.filter(user=bob).count() == 2
    anonymous = Client().get("/api/v1/follows/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


def test_notifications_list_and_mark_read(alice, bob) -> None:
    note = make_note(alice)
    make_comment(note, bob, "Hello")
    client = token_client(alice)
    listed = client.get("/api/v1/notifications/").json()["results"]
    assert len(listed) == 1 and listed[0]["read"] is False
    assert listed[0]["note"] == note.pk
    assert "bob" in listed[0]["text"].lower()
    assert client.get("/api/v1/notifications/?unread=1").json()["results"]
    marked = send(client, "post", "/api/v1/notifications/read/", {"ids": [listed[0]["id"]]})
    assert marked.json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=1").json()["results"] == []
    assert token_client(bob).get("/api/v1/notifications/").json()["results"] == []


def test_a_text_the_renderer_refuses_is_a_422_and_nothing_is_saved(alice) -> None:
    note = make_note(alice, body="short")
    fences = "```\ncode\n```\n" * 600  # more code fences than a text may open and close
    response = send(
        token_client(alice),
        "patch",
        f"/api/v1/notes/{note.pk}/",
        {"body": fences, "base_revision": 0},
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    note.refresh_from_db()
    assert note.body == "short" and note.revision == 0
