"""Writing, showing, printing, deleting and restoring summaries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape
from django.utils.text import Truncator

from accounts.models import User
from notes.forms import parse_tags
from notes.models import MAX_BODY_BYTES, Mute, Note
from notes.services.reactions import note_vote
from tests.conftest import client_for, make_user
from tests.factories import make_note, make_paper, revise
from tests.texts import ordinary_note, scaled

pytestmark = pytest.mark.django_db


def _write(client: Client, paper_pk: int, **data: str):
    payload = {"body": "Summary with $E=mc^2$.", "tags": "physics", "visibility": "public"}
    payload.update(data)
    return client.post(f"/papers/{paper_pk}/write/", payload)


def test_writing_a_summary_renders_math_and_tags(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    response = _write(alice_client, paper.pk, tags="Relativity, physics  #Energy")
    note = Note.objects.get()
    assert response["Location"] == f"/n/{note.pk}/"
    assert note.tag_names == ["energy", "physics", "relativity"]
    assert sorted(note.tags.names()) == ["energy", "physics", "relativity"]
    assert note.revision == 0
    html = alice_client.get(f"/n/{note.pk}/").content.decode()
    assert "<math" in html
    assert f"{{{note.pk}}}" in html
    assert 'href="/tags/energy/"' in html


def test_a_second_summary_of_the_same_paper_opens_the_first(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice)
    response = alice_client.get(f"/papers/{note.paper_id}/write/")
    assert response["Location"] == f"/n/{note.pk}/edit/"
    # A text sent anyway is not dropped: it comes back beside the summary (test_first_save).
    response = _write(alice_client, note.paper_id, body="second try")
    assert response.status_code == 409
    assert "second try" in response.content.decode()
    assert Note.objects.count() == 1


def test_preview_renders_without_saving(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    response = _write(alice_client, paper.pk, body="Preview $a_1$ please", preview="1")
    assert response.status_code == 200
    assert "<math" in response.content.decode()
    assert not Note.objects.exists()


def test_in_place_preview_returns_the_rendered_fragment(alice_client: Client) -> None:
    response = alice_client.post("/n/preview/", {"body": "**bold** $x^2$", "visibility": "public"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.content.decode()
    assert "<math" in response.content.decode()


def test_in_place_preview_needs_a_login() -> None:
    assert Client().post("/n/preview/", {"body": "x"}).status_code == 403


def test_too_large_a_body_is_refused_and_the_text_kept(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    body = "word " * (MAX_BODY_BYTES // 5 + 10)
    response = _write(alice_client, paper.pk, body=body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "the limit is 200 KB" in page
    assert "word word word" in page  # the text is still in the editor
    assert not Note.objects.exists()


def test_an_empty_body_is_refused(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    response = _write(alice_client, paper.pk, body="   \n ")
    assert "cannot be empty" in response.content.decode()
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("<script>", "these are not"),
        ("x" * 51, "these are not"),
        (" ".join(f"t{i}" for i in range(31)), "At most 30 tags"),
    ],
)
def test_bad_tags_get_a_clear_message(
    alice: User, alice_client: Client, tags: str, message: str
) -> None:
    paper = make_paper(alice)
    response = _write(alice_client, paper.pk, tags=tags)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_tags_are_split_on_spaces_and_commas_and_lowercased() -> None:
    assert parse_tags("ML, deep-learning  #Bayes ml,,") == ["bayes", "deep-learning", "ml"]
    assert parse_tags("") == []


def test_a_bad_visibility_is_refused(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    response = _write(alice_client, paper.pk, visibility="everyone")
    assert "Select a valid choice" in response.content.decode()


def test_note_page_shows_the_wiki_entry_parts(alice: User, bob: User, carol_client: Client) -> None:
    paper = make_paper(alice, title="Paper title", year=2017)
    note = make_note(alice, paper, tags=["optics"])
    for i in range(3):
        note = revise(note, f"body {i}")
    other = make_note(bob, paper, body=f"Bob refers to {{{note.pk}}} here.")
    html = carol_client.get(f"/n/{note.pk}/").content.decode()
    assert "ref: Lovelace-2017" in html  # the first of "Ada Lovelace, Alan Turing"
    assert "revision: <strong" in html
    for n in (2, 1, 0):
        assert f'href="/n/{note.pk}/r/{n}/"' in html
    assert "[head]" in html
    assert "Referenced by" in html and f'href="/n/{other.pk}/"' in html
    assert "Other summaries of this paper" in html
    assert 'href="/tags/optics/"' in html
    assert f'href="/n/{note.pk}/print/"' in html
    assert "Alice Liddell" in html


def test_other_summaries_show_the_start_of_each_text_as_truncatechars_would(
    alice: User,
) -> None:
    paper = make_paper(alice)
    note = make_note(alice, paper)
    zalgo = "Z" + "\u0301\u0323\u0308" * 6  # a letter under combining marks
    bodies = {
        "short": "A short summary.",
        "long": "word " * 400,
        "exactly 280": "x" * 280,
        "281": "x" * 281,
        "other scripts": "漢字かな" * 200,
        "accents": "Café déjà vu, naïve résumé. " * 60,
        "decomposed accents": "Cafe\u0301 " * 300,
        "marks, few letters": zalgo * 100,
        "marks, many letters": zalgo * 400,
        "letters after marks": zalgo * 150 + "plain words " * 40,
    }
    others = {
        name: make_note(make_user(f"writer{i}"), paper, body=body)
        for i, (name, body) in enumerate(bodies.items())
    }
    html = Client().get(f"/n/{note.pk}/").content.decode()
    for name, other in others.items():
        expected = escape(Truncator(other.body_text).chars(280))
        assert f'<p class="muted" dir="auto">{expected}</p>' in html, name


def test_the_page_shows_the_readers_own_vote_and_mute_only(
    alice: User, bob: User, carol: User
) -> None:
    note = make_note(alice)
    note_vote(note=note, user=bob, vote=True)
    Mute.objects.create(user=bob, note=note)
    bobs = client_for(bob).get(f"/n/{note.pk}/").content.decode()
    assert 'aria-pressed="true"' in bobs
    assert "Unmute this thread" in bobs
    carols = client_for(carol).get(f"/n/{note.pk}/").content.decode()
    assert 'aria-pressed="false"' in carols
    assert "Mute this thread" in carols and "Unmute this thread" not in carols
    anonymous = Client().get(f"/n/{note.pk}/").content.decode()
    assert "Log in to vote" in anonymous and "Mute this thread" not in anonymous


def test_revision_bar_is_shortened_when_there_are_many(alice: User, alice_client: Client) -> None:
    note = make_note(alice)
    for i in range(12):
        note = revise(note, f"body {i}")
    html = alice_client.get(f"/n/{note.pk}/").content.decode()
    assert f'href="/n/{note.pk}/r/11/"' in html
    assert f'href="/n/{note.pk}/r/7/"' in html
    assert f'href="/n/{note.pk}/r/3/"' not in html
    assert f'href="/n/{note.pk}/r/0/"' in html
    assert "full history" in html


def test_print_page_is_clean(alice: User) -> None:
    note = make_note(alice, body="Printable $x$")
    html = Client().get(f"/n/{note.pk}/print/").content.decode()
    assert "<math" in html
    assert "site-header" not in html
    assert 'href="/static/css/print.css"' in html


def test_delete_asks_then_moves_to_trash_and_restore_brings_history_back(
    alice: User, alice_client: Client, bob_client: Client
) -> None:
    note = make_note(alice)
    note = revise(note, "second")
    confirm = alice_client.get(f"/n/{note.pk}/delete/")
    assert "Move to trash" in confirm.content.decode()
    assert Note.objects.get(pk=note.pk).deleted_at is None

    assert alice_client.post(f"/n/{note.pk}/delete/")["Location"] == "/trash/"
    assert bob_client.get(f"/n/{note.pk}/").status_code == 404
    assert f"/n/{note.pk}/" not in Client().get("/").content.decode()
    trash = alice_client.get("/trash/").content.decode()
    assert f"Restore {{{note.pk}}}" in trash

    assert alice_client.post(f"/n/{note.pk}/restore/").status_code == 302
    restored = Note.objects.get(pk=note.pk)
    assert restored.deleted_at is None
    assert restored.body == "second"
    assert restored.history.count() == 2
    assert bob_client.get(f"/n/{note.pk}/").status_code == 200


def test_a_note_in_the_trash_cannot_be_edited_until_restored(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice)
    alice_client.post(f"/n/{note.pk}/delete/")
    response = alice_client.post(
        f"/n/{note.pk}/edit/", {"body": "x", "visibility": "public", "base_revision": "0"}
    )
    assert response.status_code == 302
    assert Note.objects.get(pk=note.pk).body != "x"


def test_cross_reference_to_a_private_note_is_not_linked(alice: User, bob: User) -> None:
    secret = make_note(alice, visibility="private")
    public = make_note(alice)
    note = make_note(bob, body=f"See {{{secret.pk}}} and {{{public.pk}}}.")
    assert f'href="/n/{public.pk}/"' in note.body_html
    assert f'href="/n/{secret.pk}/"' not in note.body_html
    assert f"{{{secret.pk}}}" in note.body_html


def test_a_large_body_renders_whole(alice: User, alice_client: Client) -> None:
    paper = make_paper(alice)
    body = "A paragraph with $x_i$ and **bold** text.\n\n" * 600  # > 20,000 characters
    response = _write(alice_client, paper.pk, body=body)
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.body_html.count("<math") == 600
    assert note.body_html.count("<strong>bold</strong>") == 600


def test_a_body_that_passes_the_cpu_budget_is_refused_and_kept(
    alice: User, alice_client: Client, settings
) -> None:
    # An ordinary long text takes a few tenths of a second; with a budget of a tenth the
    # render child is stopped half way.
    settings.RENDER_CPU_SECONDS = 0.1
    note = make_note(alice, body="the original")
    body, _ = ordinary_note(150_000)
    long_text = body + "The last words of a long text."
    response = alice_client.post(
        f"/n/{note.pk}/edit/",
        {"body": long_text, "visibility": "public", "base_revision": str(note.revision)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "too complex to render" in page
    assert "The last words of a long text." in page  # the text is still in the editor
    note.refresh_from_db()
    assert (note.body, note.revision) == ("the original", 0)
    preview = alice_client.post("/n/preview/", {"body": long_text, "visibility": "public"})
    assert "too complex to render" in preview.content.decode()


def test_a_body_the_renderer_refuses_says_why_and_is_kept(
    alice: User, alice_client: Client
) -> None:
    note = make_note(alice, body="the original")
    hostile = scaled("a\n=\n", 200_000)  # 50,000 setext headings without a blank line
    response = alice_client.post(
        f"/n/{note.pk}/edit/",
        {"body": hostile, "visibility": "public", "base_revision": str(note.revision)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "long runs of lines without a blank line" in page
    assert "a\n=\na\n=" in page  # the text is still in the editor
    note.refresh_from_db()
    assert (note.body, note.revision) == ("the original", 0)


def test_a_preview_that_cannot_render_in_time_saves_nothing(
    alice: User, alice_client: Client, settings
) -> None:
    settings.RENDER_CPU_SECONDS = 0.1
    paper = make_paper(alice)
    body, _ = ordinary_note(150_000)
    response = _write(alice_client, paper.pk, body=body, preview="1")
    assert response.status_code == 200
    assert "too complex to render" in response.content.decode()
    assert not Note.objects.exists()
