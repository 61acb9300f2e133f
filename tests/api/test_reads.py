"""The API's reads: the site's visibility rule through every door, and /me."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.tokens import token_create
from notes.models import Note, Visibility
from notes.services import note_trash
from tests.conftest import client_for
from tests.factories import make_comment, make_note, make_paper, revise

pytestmark = pytest.mark.django_db


def token_client(user, scope: str = "read") -> Client:
    _, raw = token_create(user=user, name="script", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_public_notes_are_listed_for_anyone(alice) -> None:
    note = make_note(alice, body="Public *text*.", tags=["physics"])
    response = Client().get("/api/v1/notes/")
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["id"] == note.pk
    assert item["body"] == "Public *text*."
    assert "<em>text</em>" in item["body_html"]
    assert item["tags"] == ["physics"]
    assert item["author"]["username"] == "alice"


def test_note_get_carries_etag(alice) -> None:
    note = make_note(alice)
    response = Client().get(f"/api/v1/notes/{note.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{note.pk}-0"'
    assert response.json()["etag"] == f'"{note.pk}-0"'


@pytest.mark.parametrize(
    ("who", "private_seen"),
    [("anonymous", False), ("owner", True), ("other", False), ("staff", False)],
)
def test_private_note_is_a_404_to_everyone_but_its_author(people, alice, who, private_seen) -> None:
    private = make_note(alice, visibility=Visibility.PRIVATE)
    public = make_note(alice)
    client = people[who]
    listed = {n["id"] for n in client.get("/api/v1/notes/").json()["results"]}
    assert (private.pk in listed) is private_seen
    assert public.pk in listed
    assert client.get(f"/api/v1/notes/{private.pk}/").status_code == (200 if private_seen else 404)
    assert client.get(f"/api/v1/notes/{private.pk}/revisions/").status_code == (
        200 if private_seen else 404
    )
    assert client.get(f"/api/v1/notes/{private.pk}/comments/").status_code == (
        200 if private_seen else 404
    )


@pytest.mark.parametrize("scope", ["read", "write"])
def test_tokens_read_as_their_user(alice, bob, scope) -> None:
    private = make_note(alice, visibility=Visibility.PRIVATE)
    assert token_client(alice, scope).get(f"/api/v1/notes/{private.pk}/").status_code == 200
    assert token_client(bob, scope).get(f"/api/v1/notes/{private.pk}/").status_code == 404


def test_trashed_note_is_reached_by_its_author_only(people, alice) -> None:
    note = make_note(alice)
    note_trash(note=note)
    for who, code in [("anonymous", 404), ("owner", 200), ("other", 404), ("staff", 404)]:
        response = people[who].get(f"/api/v1/notes/{note.pk}/")
        assert response.status_code == code, who
    assert people["owner"].get(f"/api/v1/notes/{note.pk}/").json()["in_trash"] is True
    listed = people["owner"].get("/api/v1/notes/").json()["results"]
    assert note.pk not in {n["id"] for n in listed}


def test_hidden_note_is_shown_to_its_author_only(people, alice, staff) -> None:
    from django.utils import timezone

    from notes.services import save_state

    note = make_note(alice)
    note.hidden_at, note.hidden_by = timezone.now(), staff
    save_state(note, ["hidden_at", "hidden_by"])
    for who, code in [("anonymous", 404), ("owner", 200), ("other", 404), ("staff", 404)]:
        assert people[who].get(f"/api/v1/notes/{note.pk}/").status_code == code, who


def test_notes_filter_like_the_site(alice, bob) -> None:
    old = make_note(alice, make_paper(year=1999), tags=["physics", "optics"], body="lasers")
    new = make_note(bob, make_paper(year=2020), tags=["biology"], body="cells divide")
    client = Client()

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/notes/?{query}")
        assert response.status_code == 200
        return {n["id"] for n in response.json()["results"]}

    assert ids("tag=physics&tag=optics") == {old.pk}
    assert ids("tag=physics&tag=biology") == set()
    assert ids("user=BOB") == {new.pk}
    assert ids("year_from=2000") == {new.pk}
    assert ids("year_to=2000") == {old.pk}
    assert ids("q=cells") == {new.pk}
    assert ids("q=tag:optics") == {old.pk}
    assert ids("q=user:alice") == {old.pk}
    assert ids("year_from=abc") == {old.pk, new.pk}


def _walk(client: Client, url: str) -> list[int]:
    seen: list[int] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        seen.extend(n["id"] for n in response.json()["results"])
        url = response.json()["next"]
    return seen


def test_cursor_pages_walk_every_note_once(alice) -> None:
    notes = [make_note(alice) for _ in range(7)]
    assert _walk(Client(), "/api/v1/notes/?page_size=3") == [n.pk for n in reversed(notes)]


def test_a_tags_pages_are_cut_from_the_tags_own_rows(alice, bob) -> None:
    """A reader whose list is the public one gets a tag's notes by date from the tag's
    rows: every note once, in the list's order (ties by number), whatever else is asked."""
    notes = [
        make_note(alice if i % 2 else bob, make_paper(year=1990 + i), tags=["optics", f"t{i % 2}"])
        for i in range(11)
    ]
    Note.objects.filter(pk__in=[n.pk for n in notes[3:7]]).update(modified=notes[2].modified)
    make_note(alice, tags=["lasers"])
    secret = make_note(bob, tags=["optics"], visibility=Visibility.PRIVATE)
    listed = Note.objects.filter(tag_names__contains=["optics"], visibility="public")
    by_date = list(listed.order_by("-modified", "-id").values_list("id", flat=True))
    assert len(by_date) == 11
    for client in (Client(), client_for(alice)):  # alice has no private note
        with CaptureQueriesContext(connection) as queries:
            assert _walk(client, "/api/v1/notes/?tag=optics&page_size=3") == by_date
        assert any("notes_publictagged" in q["sql"] for q in queries.captured_queries)
        t1 = [pk for pk in by_date if pk in {n.pk for n in notes[1::2]}]
        assert _walk(client, "/api/v1/notes/?tag=optics&tag=t1&page_size=2") == t1
        recent = [pk for pk in by_date if Note.objects.get(pk=pk).paper_year >= 1995]
        assert _walk(client, "/api/v1/notes/?tag=optics&year_from=1995&page_size=4") == recent
        created = list(listed.order_by("-created", "-id").values_list("id", flat=True))
        assert _walk(client, "/api/v1/notes/?tag=optics&sort=created&page_size=4") == created
    # Bob's list holds his private note: read from the notes, as every other list.
    assert _walk(client_for(bob), "/api/v1/notes/?tag=optics&page_size=5") == [
        secret.pk,
        *by_date,
    ]


def test_page_size_is_capped(alice) -> None:
    for _ in range(3):
        make_note(alice)
    body = Client().get("/api/v1/notes/?page_size=100000").json()
    assert len(body["results"]) == 3


def test_revisions_written_private_stay_private(people, alice) -> None:
    note = make_note(alice, visibility=Visibility.PRIVATE, body="secret draft")
    from notes.services import NoteContent, note_save

    note_save(
        note=note,
        user=alice,
        content=NoteContent(body="now public", tags=[], visibility=Visibility.PUBLIC),
        base_revision=0,
    )
    other = people["other"]
    listed = [r["revision"] for r in other.get(f"/api/v1/notes/{note.pk}/revisions/").json()]
    assert listed == [1]
    assert other.get(f"/api/v1/notes/{note.pk}/revisions/0/").status_code == 404
    assert other.get(f"/api/v1/notes/{note.pk}/diff/0/1/").status_code == 404
    owner = people["owner"]
    assert owner.get(f"/api/v1/notes/{note.pk}/revisions/0/").json()["body"] == "secret draft"
    diff = owner.get(f"/api/v1/notes/{note.pk}/diff/0/1/").json()
    assert "<del>secret</del>" in diff["html"]
    assert "<ins>now</ins>" in diff["html"]
    assert diff["added"] >= 1 and diff["removed"] >= 1


def test_revision_diff_escapes_text(alice) -> None:
    note = make_note(alice, body="plain")
    revise(note, "<script>alert(1)</script>")
    diff = Client().get(f"/api/v1/notes/{note.pk}/diff/0/1/").json()
    assert "<script>" not in diff["html"]
    assert "&lt;script&gt;" in diff["html"]


def test_comments_follow_their_note(people, alice, bob) -> None:
    note = make_note(alice)
    comment = make_comment(note, bob, "Nice *work*.")
    thread = people["anonymous"].get(f"/api/v1/notes/{note.pk}/comments/").json()
    assert thread[0]["id"] == comment.pk
    assert "<em>work</em>" in thread[0]["body_html"]
    assert thread[0]["body"] == "Nice *work*."


def test_papers_listed_only_with_a_readable_note(people, alice) -> None:
    paper = make_paper(alice)
    make_note(alice, paper, visibility=Visibility.PRIVATE)
    listed = {p["id"] for p in people["other"].get("/api/v1/papers/").json()["results"]}
    assert paper.pk not in listed
    mine = {p["id"] for p in people["owner"].get("/api/v1/papers/").json()["results"]}
    assert paper.pk in mine
    # Every paper's page is public.
    assert people["anonymous"].get(f"/api/v1/papers/{paper.pk}/").status_code == 200


def test_paper_found_by_identifier(alice) -> None:
    paper = make_paper(alice, doi="10.1000/xyz123")
    found = Client().get("/api/v1/papers/?doi=https://doi.org/10.1000/XYZ123").json()["results"]
    assert [p["id"] for p in found] == [paper.pk]
    assert Client().get("/api/v1/papers/?doi=nonsense").json()["results"] == []


def test_tags_count_only_what_the_reader_may_read(alice, bob) -> None:
    make_note(alice, tags=["physics"])
    make_note(alice, tags=["physics", "secret"], visibility=Visibility.PRIVATE)
    counts = {t["name"]: t["count"] for t in client_for(bob).get("/api/v1/tags/").json()}
    assert counts == {"physics": 1}
    own = {t["name"]: t["count"] for t in client_for(alice).get("/api/v1/tags/").json()}
    assert own == {"physics": 2, "secret": 1}
    found = Client().get("/api/v1/tags/?prefix=ph").json()
    assert found == [{"name": "physics", "count": 1}]
    assert Client().get("/api/v1/tags/?prefix=%25").json() == []


def test_search_uses_the_site_ranking(alice, bob) -> None:
    in_title = make_note(alice, make_paper(title="Graphene transistors"), body="x")
    in_body = make_note(bob, make_paper(title="Other"), body="all about graphene")
    make_note(bob, make_paper(title="Graphene private"), visibility=Visibility.PRIVATE)
    body = Client().get("/api/v1/search/?q=graphene").json()
    assert [n["id"] for n in body["results"]] == [in_title.pk, in_body.pk]
    by_user = Client().get("/api/v1/search/?q=graphene user:bob").json()
    assert [n["id"] for n in by_user["results"]] == [in_body.pk]


def test_search_reads_the_public_list_for_a_reader_without_unlisted_notes(alice, bob) -> None:
    public = make_note(bob, make_paper(title="Graphene transistors"))
    private = make_note(alice, make_paper(title="Graphene at home"), visibility=Visibility.PRIVATE)
    with CaptureQueriesContext(connection) as queries:
        body = client_for(bob).get("/api/v1/search/?q=graphene").json()
    assert [n["id"] for n in body["results"]] == [public.pk]
    # Bob has none of his own that others may not read: no statement asks for his notes.
    assert not [q["sql"] for q in queries.captured_queries if f'"author_id" = {bob.pk}' in q["sql"]]
    mine = client_for(alice).get("/api/v1/search/?q=graphene").json()
    assert [n["id"] for n in mine["results"]] == [private.pk, public.pk]


def test_me(alice) -> None:
    assert Client().get("/api/v1/me/").status_code == 401
    body = token_client(alice, "read").get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert body["token_scope"] == "read"
    assert client_for(alice).get("/api/v1/me/").json()["token_scope"] is None


def test_errors_are_problem_details(alice) -> None:
    response = Client().get("/api/v1/notes/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["type"] == "about:blank"
    unknown = Client().get("/api/v1/nothing/here/")
    assert unknown.status_code == 404
    assert unknown.json()["status"] == 404


def test_a_bad_token_is_a_401_not_anonymous(alice) -> None:
    make_note(alice)
    response = Client(HTTP_AUTHORIZATION="Bearer pn_nottherightone").get("/api/v1/notes/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(alice) -> None:
    from api.tokens import token_revoke

    token, raw = token_create(user=alice, name="s", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me/").status_code == 200
    assert token_revoke(user=alice, pk=token.pk)
    assert client.get("/api/v1/me/").status_code == 401


def test_schema_and_docs_are_served(alice) -> None:
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_list_query_counts_do_not_grow_with_the_page(
    alice, bob, settings, django_assert_max_num_queries
) -> None:
    settings.COMMENT_RATE_LIMIT = 100
    for n in range(30):
        note = make_note(alice if n % 2 else bob, tags=["physics", f"t{n}"])
        make_comment(note, bob if n % 2 else alice)
    client = client_for(alice)
    for url, most in [
        ("/api/v1/notes/?page_size=200", 6),
        ("/api/v1/notes/?page_size=5", 6),
        ("/api/v1/papers/?page_size=200", 6),
        ("/api/v1/search/?q=summary", 8),
        ("/api/v1/tags/", 5),
        ("/api/v1/notifications/?page_size=200", 6),
        (f"/api/v1/notes/{note.pk}/revisions/", 7),
        (f"/api/v1/notes/{note.pk}/comments/", 7),
        ("/api/v1/follows/", 5),
    ]:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200, url


def test_numbers_in_other_scripts_are_not_numbers(alice) -> None:
    old = make_note(alice, make_paper(year=1999))
    new = make_note(alice, make_paper(year=2020))
    listed = Client().get("/api/v1/notes/?year_from=٢٠٠٠").json()["results"]
    assert {n["id"] for n in listed} == {old.pk, new.pk}
    assert Client().get("/api/v1/notes/?since=١").status_code == 400


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_a_note_is_written_out_as_its_serializer_s_fields_make_it(alice, bob, staff, zone) -> None:
    from django.utils import timezone
    from rest_framework import serializers

    from api.serializers import NOTE_VALUES, NoteSerializer
    from notes.models import Note

    bob.display_name = "Bob <Builder>"
    bob.save()
    no_year = make_note(alice, make_paper(alice, year=None, title="<b>No year</b>"), tags=[])
    tagged = revise(make_note(bob, tags=["c++", "x&y"]), "Second text.", message="why")
    private = make_note(alice, visibility=Visibility.PRIVATE)
    trashed = make_note(bob)
    note_trash(note=trashed)
    hidden = make_note(bob)
    Note.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now(), hidden_by=staff)
    Note.objects.filter(pk=tagged.pk).update(comment_count=2, vote_count=3, view_count=4)
    notes = Note.objects.select_related("paper", "author").order_by("pk")
    assert len(notes) == 5
    # A list reads its notes as rows (``NOTE_VALUES``): those are written out the same way.
    rows = {row["id"]: row for row in Note.objects.values(*NOTE_VALUES)}
    with timezone.override(zone):
        for note in notes:
            for version in (None, 0, 41):
                row = rows[note.pk]
                if version is not None:
                    note.version = version
                    row = {**row, "version": version}
                serializer = NoteSerializer(note)
                generic = serializers.ModelSerializer.to_representation(serializer, note)
                assert serializer.data == generic
                assert list(serializer.data) == list(generic)
                assert NoteSerializer(row).data == generic
                assert list(NoteSerializer(row).data) == list(generic)
    assert {no_year.pk, private.pk} <= {note.pk for note in notes}
