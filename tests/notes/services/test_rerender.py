"""``manage.py rerender``: stored texts follow the renderer after an upgrade."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from notes.management.commands import rerender as command
from notes.models import Comment, Note
from notes.selectors import search
from tests.factories import make_comment, make_note, revise
from tests.texts import scaled

pytestmark = pytest.mark.django_db

BODY = '# Method\n\nA claim.[^1] See <a href="javascript:123">this</a>.\n\n[^1]: A source.'
# What the renderer stored before ids were prefixed and script URLs were checked.
OLD_HTML = (
    '<h1 dir="auto" id="method">Method</h1>\n<p dir="auto">A claim.<sup id="fnref:1">'
    '<a class="footnote-ref" href="#fn:1">1</a></sup> See <a href="javascript:123">this</a>.</p>'
)


def _run(**options: object) -> str:
    out = StringIO()
    call_command("rerender", stdout=out, **options)
    return out.getvalue()


def _age(note: Note) -> None:
    """Make a note, its comments and every history row look rendered by the old renderer."""
    Note.objects.filter(pk=note.pk).update(body_html=OLD_HTML, body_text="stale")
    search.refresh(note_ids=[note.pk])
    note.history.update(body_html=OLD_HTML, body_text="stale")
    comments = Comment.objects.filter(note=note)
    Comment.history.filter(id__in=comments.values("pk")).update(body_html=OLD_HTML)
    comments.update(body_html=OLD_HTML)


def test_current_texts_and_history_rows_are_rendered_again_in_place(alice: User, bob: User) -> None:
    note = make_note(alice, body=BODY)
    note = revise(note, BODY + "\n\nMore.")
    comment = make_comment(note, bob, BODY)
    _age(note)
    revisions = list(note.history.values_list("history_id", "revision"))
    comment_versions = Comment.history.filter(id=comment.pk).count()

    output = _run(batch_size=1)

    note.refresh_from_db()
    assert note.revision == 1
    assert f'id="n{note.pk}-method"' in note.body_html
    assert f'href="#n{note.pk}-fn:1"' in note.body_html
    assert "javascript" not in note.body_html
    assert note.body_text.startswith("Method A claim.")
    for row in note.history.all():
        assert f'id="n{note.pk}-method"' in row.body_html and "javascript" not in row.body_html
    assert list(note.history.values_list("history_id", "revision")) == revisions
    comment.refresh_from_db()
    assert f'id="c{comment.pk}-method"' in comment.body_html
    for row in Comment.history.filter(id=comment.pk):
        assert f'id="c{comment.pk}-method"' in row.body_html
    assert Comment.history.filter(id=comment.pk).count() == comment_versions
    # The search document follows the new plain text.
    assert f'href="/n/{note.pk}/"' in Client().get("/search/", {"q": "method"}).content.decode()
    assert "notes: 1 of 1 (1 changed)" in output
    assert "note history rows: 2 rendered, 2 changed" in output


def test_a_second_run_changes_nothing(alice: User, bob: User) -> None:
    note = make_note(alice, body=BODY)
    make_comment(note, bob, "A comment.")
    _age(note)
    _run()
    second = _run()
    for kind in ("notes", "note history rows", "comments", "comment history rows"):
        assert f"{kind}: 1 rendered, 0 changed" in second, second


def test_a_note_saved_meanwhile_keeps_its_new_html(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = make_note(alice, body=BODY)
    _age(note)
    render = command.render_note_body

    def saved_while_rendering(**kwargs):
        rendered = render(**kwargs)
        if kwargs["body"] == BODY and Note.objects.get(pk=note.pk).revision == 0:
            revise(Note.objects.get(pk=note.pk), "The author's **new** words.")
        return rendered

    monkeypatch.setattr(command, "render_note_body", saved_while_rendering)
    _run()
    note.refresh_from_db()
    assert note.revision == 1
    assert "<strong>new</strong>" in note.body_html


def test_a_text_the_renderer_now_refuses_keeps_its_html_and_is_listed(alice: User) -> None:
    note = make_note(alice, body="short")
    refused = scaled("a\n=\n", 200_000)
    Note.objects.filter(pk=note.pk).update(body=refused, body_html="<p>as it was</p>")
    output = _run()
    assert Note.objects.get(pk=note.pk).body_html == "<p>as it was</p>"
    assert f"notes: 1 rendered, 0 changed; refused, kept as they were: 1 ({note.pk})" in output
