"""tools/pnsync.py against a live test server: pull, edit, push, conflicts, 304."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

from api.tokens import token_create
from notes.models import Note, Visibility
from notes.services import note_trash
from tests.conftest import make_user
from tests.factories import make_note, make_paper, revise
from tools import pnsync

pytestmark = pytest.mark.django_db(transaction=True)


def test_pull_edit_push_and_conflicts(live_server: LiveServer, tmp_path: Path) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    public = make_note(alice, make_paper(title="Public paper"), body="Public text", tags=["a"])
    private = make_note(
        alice, make_paper(title="Private paper"), body="Private text", visibility=Visibility.PRIVATE
    )
    make_note(bob, make_paper(title="Bob's"), body="Not alice's")
    _, raw = token_create(user=alice, name="sync", scope="write")
    api = pnsync.Api(live_server.url, raw)
    out = io.StringIO()

    assert pnsync.pull(api, tmp_path, out) == 2
    files = sorted(p.name for p in tmp_path.glob("*.md"))
    assert files == sorted([f"{public.pk}.md", f"{private.pk}.md"])
    meta, body = pnsync.parse((tmp_path / f"{public.pk}.md").read_text())
    assert body == "Public text"
    assert meta == {
        "id": public.pk,
        "paper": public.paper_id,
        "title": "Public paper",
        "tags": ["a"],
        "visibility": "public",
        "revision": 0,
    }

    # Nothing changed: one request, answered 304.
    before = api.requests
    assert pnsync.pull(api, tmp_path, out) == 0
    assert api.requests - before == 1
    assert "Nothing changed." in out.getvalue()

    # A local edit goes back with its base revision.
    path = tmp_path / f"{public.pk}.md"
    path.write_text(path.read_text().replace("Public text", "Edited offline"))
    assert pnsync.push(api, tmp_path, out) == []
    public.refresh_from_db()
    assert public.body == "Edited offline" and public.revision == 1
    assert pnsync.parse(path.read_text())[0]["revision"] == 1

    # The site and the folder both change: a conflict, and neither side is overwritten.
    revise(public, "Edited on the site")
    path.write_text(path.read_text().replace("Edited offline", "Edited offline again"))
    assert pnsync.push(api, tmp_path, out) == [public.pk]
    public.refresh_from_db()
    assert public.body == "Edited on the site"
    assert "Edited offline again" in path.read_text()
    assert "Conflict on" in out.getvalue()

    # A pull keeps the edited file and puts the site's text beside it, and removes what
    # was trashed.
    other = tmp_path / f"{private.pk}.md"
    note_trash(note=Note.objects.get(pk=private.pk))
    pnsync.pull(api, tmp_path, out)
    assert not other.exists()
    assert "Edited offline again" in path.read_text()
    site = tmp_path / f"{public.pk}.md.site"
    assert pnsync.parse(site.read_text())[1] == "Edited on the site"

    # Merged, on the site's revision: the push goes through.
    merged = path.read_text().replace('"revision": 1', "").replace("revision: 1", "revision: 2")
    path.write_text(merged.replace("Edited offline again", "Merged text"))
    site.unlink()
    assert pnsync.push(api, tmp_path, out) == []
    public.refresh_from_db()
    assert public.body == "Merged text" and public.revision == 3


def test_main_needs_a_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PAPERNOTES_TOKEN", raising=False)
    with pytest.raises(SystemExit):
        pnsync.main(["pull", str(tmp_path)])
