"""No text within the size limits costs a worker more than the render budget of CPU (issue 11,
items 1 and 2).

Each shape that was measured stalling a worker, at its measured size and scaled up to the size
limit, goes through the real endpoints (preview, note save, comment post). The CPU counted is
this process's (the test client and Django run here), the render child's and that of any child
that was stopped and reaped meanwhile. Every answer must be a rendered page or a clear message
on the form, never a 500, and the text must never be lost.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User
from bench.texts import cpu_seconds
from notes.markup import render_worker
from notes.models import MAX_BODY_BYTES, MAX_COMMENT_BYTES, Comment, Note
from tests.factories import make_note
from tests.texts import SHAPES, Shape, ordinary_note, scaled

pytestmark = pytest.mark.django_db

NOTE_LIMIT = MAX_BODY_BYTES - 4_800  # 200,000 characters, all ASCII
COMMENT_LIMIT = MAX_COMMENT_BYTES - 240
# What a refusal says, in the renderer's own words or the budget's.
REFUSALS = ("too complex to render", "too long to render", "more than", "the most a note may")


def measured(request):
    """The answer to ``request()`` and the CPU seconds it cost."""
    started = cpu_seconds()
    response = request()
    return response, cpu_seconds() - started


@pytest.fixture(autouse=True)
def _room_to_try(settings) -> None:
    # These tests send many texts in a row; the rate limits are tested elsewhere.
    settings.PREVIEW_RATE_LIMIT = 10_000
    settings.COMMENT_RATE_LIMIT = 10_000


@pytest.fixture
def warm(alice_client: Client) -> None:
    """A render child already running, as in a worker that has served a request."""
    alice_client.post("/n/preview/", {"body": "*warm*", "visibility": "public"})
    assert render_worker.child_pid() is not None


def _assert_rendered_or_refused(response, where: str) -> None:
    """A rendered page or a saved text, or the form again with a refusal that says why (a
    comment's form answers 400)."""
    assert response.status_code in (200, 302, 400), where
    if response.status_code == 302:
        return
    page = response.content.decode()
    refused = "form-errors" in page or "errorlist" in page
    assert refused or response.status_code == 200, where
    if refused:
        assert any(refusal in page for refusal in REFUSALS), where


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_each_shape_costs_less_than_the_budget_everywhere(
    shape: Shape, alice: User, alice_client: Client, bob_client: Client, warm: None
) -> None:
    budget = django_settings.RENDER_CPU_SECONDS
    note = make_note(alice, body="the original")
    tries = {
        "preview at the measured size": lambda: alice_client.post(
            "/n/preview/", {"body": scaled(shape.unit, shape.measured), "visibility": "public"}
        ),
        "preview at the size limit": lambda: alice_client.post(
            "/n/preview/", {"body": scaled(shape.unit, NOTE_LIMIT), "visibility": "public"}
        ),
        "save at the size limit": lambda: alice_client.post(
            f"/n/{note.pk}/edit/",
            {
                "body": scaled(shape.unit, NOTE_LIMIT),
                "visibility": "public",
                "base_revision": str(Note.objects.get(pk=note.pk).revision),
            },
        ),
        "comment at the size limit": lambda: bob_client.post(
            f"/n/{note.pk}/comments/", {"body": scaled(shape.unit, COMMENT_LIMIT)}
        ),
    }
    for where, request in tries.items():
        response, cpu = measured(request)
        print(f"{shape.name}, {where}: {cpu:.2f} s of CPU, status {response.status_code}")
        assert cpu < budget, f"{where}: {cpu:.2f} s of CPU"
        _assert_rendered_or_refused(response, where)
    # Nothing was lost: the save either stored the text or kept it in the form.
    saved = Note.objects.get(pk=note.pk)
    assert saved.body in ("the original", scaled(shape.unit, NOTE_LIMIT))
    assert Comment.objects.filter(note=note).count() in (0, 1)


# How far under the budget an ordinary note stays is a figure, measured by ``bench_render``;
# here it must be saved and rendered whole, never refused.
def test_an_ordinary_note_of_the_largest_size_is_saved_and_rendered_whole(
    alice: User, alice_client: Client, warm: None
) -> None:
    body, sections = ordinary_note(NOTE_LIMIT, refs=1)
    note = make_note(alice, body="first words")
    body = body.replace("{1}", f"{{{note.pk}}}")
    response, cpu = measured(
        lambda: alice_client.post(
            f"/n/{note.pk}/edit/",
            {"body": body, "visibility": "public", "base_revision": "0", "tags": "long"},
        )
    )
    print(f"an ordinary note of {len(body):,} characters saved in {cpu:.2f} s of CPU")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.revision == 1
    assert note.body_html.count("<math") == 4 * sections
    assert note.body_html.count('class="highlight"') == sections


def test_an_ordinary_note_with_raw_html_is_saved_and_rendered_whole(
    alice: User, alice_client: Client, warm: None
) -> None:
    # Raw HTML sends the whole text through bleach, which is the slower path.
    body, _ = ordinary_note(NOTE_LIMIT - 100)
    body += "\n\n<sup>raw</sup> <kbd>HTML</kbd>"
    paper_note = make_note(alice, body="first words")
    response, cpu = measured(
        lambda: alice_client.post(
            f"/n/{paper_note.pk}/edit/",
            {"body": body, "visibility": "public", "base_revision": "0"},
        )
    )
    print(f"with raw HTML, saved in {cpu:.2f} s of CPU")
    assert response.status_code == 302
    assert "<kbd>HTML</kbd>" in Note.objects.get(pk=paper_note.pk).body_html


def test_re_rendering_references_leaves_a_text_the_renderer_now_refuses(
    alice: User, bob: User
) -> None:
    # A note saved before its shape was refused still refers to another; when that one is
    # hidden or restored, the referring notes are rendered again: this one keeps its HTML.
    from notes.services import relink_references_to, save_state

    target = make_note(bob)
    old = make_note(alice, body=f"See {{{target.pk}}}.")
    fine = make_note(alice, body=f"Also {{{target.pk}}}.")
    Note.objects.filter(pk=old.pk).update(body=scaled("a\n=\n", NOTE_LIMIT))
    target.hidden_at = target.modified
    save_state(target, ["hidden_at"])
    assert relink_references_to(target=target) == 1  # the one it could render
    assert f'href="/n/{target.pk}/"' in Note.objects.get(pk=old.pk).body_html
    assert f'href="/n/{target.pk}/"' not in Note.objects.get(pk=fine.pk).body_html
