"""All my notes out (a streamed zip) and back in (here or on a fresh site): the round
trip keeps bodies, tags, visibility, revisions and rendered HTML; a second import changes
nothing; and every kind of bad archive is refused with nothing saved."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import yaml
from django.test import Client

from accounts.models import User
from notes.models import Note, Paper
from tests.conftest import client_for, make_user
from tests.exchange_helpers import answer_text, upload
from tests.factories import make_comment, make_note, make_paper, revise

DOWNLOAD, IMPORT = "/my-notes/download/", "/my-notes/import/"


def download(client: Client) -> bytes:
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def alices_library(alice: User, bob: User) -> dict[str, Note]:
    math = make_note(
        alice,
        make_paper(alice, title="Attention Is All You Need", arxiv_id="1706.03762", year=2017),
        body="Scaled: $$\\frac{QK^T}{\\sqrt{d_k}}$$ and $x_i$.",
        tags=["attention", "math"],
    )
    arabic = make_note(
        alice,
        make_paper(alice, title="تعلم الآلة", year=2021),
        body=f"ملخص قصير للورقة. انظر {{{math.pk}}}.",
        tags=["arabic"],
        visibility="private",
    )
    revised = make_note(alice, make_paper(alice, title="Revised often", doi="10.1000/r"), body="v0")
    for n in range(1, 50):
        revised = revise(revised, f"Version {n} with $y^{n}$.", message=f"edit {n}")
    links = make_note(
        alice,
        make_paper(alice, title="Links", pmid="123"),
        body=f"See {{{arabic.pk}}} and {{{revised.pk}}}; not {{{math.pk + 10_000}}}.",
        tags=["links"],
    )
    make_comment(make_note(bob, math.paper, body="Bob's"), alice, "A comment of Alice's.")
    return {"math": math, "arabic": arabic, "revised": revised, "links": links}


def test_the_download_holds_markdown_json_and_bibtex(alice: User, bob: User) -> None:
    notes = alices_library(alice, bob)
    make_note(bob, make_paper(bob, title="Bob only"))
    data = download(client_for(alice))
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"notes.json", "papers.bib"} <= names
    md_files = sorted(n for n in names if n.startswith("notes/"))
    assert len(md_files) == 4
    links = archive.read(f"notes/{notes['links'].pk}-links.md").decode()
    front, body = links.split("---\n", 2)[1:]
    meta = yaml.safe_load(front)
    assert meta["title"] == "Links"
    assert (meta["pmid"], meta["tags"], meta["revision"]) == ("123", ["links"], 0)
    assert meta["url"].endswith(f"/n/{notes['links'].pk}/")
    arabic_file = f"{notes['arabic'].pk}-{'تعلم-الآلة'}.md"
    assert arabic_file in {n.removeprefix("notes/") for n in md_files}
    assert f"[{{{notes['arabic'].pk}}}]({arabic_file})" in body
    everything = json.loads(archive.read("notes.json"))
    assert everything["format"] == "papernotes-notes"
    assert everything["user"]["username"] == "alice"
    revised = next(n for n in everything["notes"] if n["number"] == notes["revised"].pk)
    assert len(revised["revisions"]) == 50
    assert revised["revisions"][7]["edit_message"] == "edit 7"
    assert revised["revisions"][7]["author"] == "alice"
    assert [c["body"] for c in everything["comments"]] == ["A comment of Alice's."]
    assert "Bob only" not in data.decode("utf-8", "replace")
    bib = archive.read("papers.bib").decode()
    assert "@misc{lovelace2017attention," in bib
    assert bib.count("@") == 4


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    pattern = re.compile(r"(?<=\{)([0-9]+)(?=\})|(?<=/n/)([0-9]+)(?=/)|(?<=\bn)([0-9]+)(?=-)")

    def swap(match: re.Match[str]) -> str:
        number = int(match.group(0))
        return str(numbers.get(number, number))

    return pattern.sub(swap, text)


def test_a_fresh_site_imports_the_archive_back_identically(alice: User, bob: User) -> None:
    alices_library(alice, bob)
    data = download(client_for(alice))
    before = {
        note.paper.title: (
            note.pk,
            note.body,
            note.tag_names,
            note.visibility,
            note.revision,
            note.body_html,
            note.history.count(),
        )
        for note in Note.objects.filter(author=alice).select_related("paper")
    }
    # An empty database: nothing of the old site is left.
    Note.objects.all().delete()
    Note.history.all().delete()
    Paper.objects.all().delete()
    Paper.history.all().delete()
    dave = make_user("dave")
    response, html = upload(client_for(dave), IMPORT, "notes.zip", data)
    assert response.status_code == 200
    assert "Done: 4 created, 0 already here, 0 skipped" in html
    after = {
        note.paper.title: note for note in Note.objects.filter(author=dave).select_related("paper")
    }
    assert after.keys() == before.keys()
    numbers = {old[0]: after[title].pk for title, old in before.items()}
    for title, (_, body, tags, visibility, revision, html_before, revisions) in before.items():
        note = after[title]
        assert note.body == _renumbered(body, numbers), title
        assert (note.tag_names, note.visibility, note.revision) == (tags, visibility, revision)
        assert note.history.count() == revisions
        assert note.body_html == _renumbered(html_before, numbers), title
    revised = after["Revised often"]
    rows = list(revised.history.order_by("revision"))
    assert [r.edit_message for r in rows[1:4]] == ["edit 1", "edit 2", "edit 3"]
    assert all(r.history_user_id == dave.pk for r in rows)
    assert rows[0].history_change_reason.startswith("Imported from alice at ")
    assert rows[0].history_date < rows[-1].history_date
    assert revised.created == rows[0].history_date
    links = after["Links"]
    assert f'href="/n/{after["تعلم الآلة"].pk}/"' in links.body_html


def test_the_same_archive_twice_changes_nothing(alice: User, bob: User) -> None:
    alices_library(alice, bob)
    data = download(client_for(alice))
    carol = make_user("carol")
    upload(client_for(carol), IMPORT, "notes.zip", data)
    state = list(
        Note.objects.filter(author=carol).values_list("pk", "revision", "body", "modified")
    )
    rows = Note.history.count()
    papers = Paper.objects.count()
    _, html = upload(client_for(carol), IMPORT, "notes.zip", data)
    assert "Done: 0 created, 4 already here, 0 skipped" in html
    assert (
        list(Note.objects.filter(author=carol).values_list("pk", "revision", "body", "modified"))
        == state
    )
    assert (Note.history.count(), Paper.objects.count()) == (rows, papers)


def test_importing_into_the_same_account_reports_every_note_as_there(
    alice: User, bob: User
) -> None:
    alices_library(alice, bob)
    data = download(client_for(alice))
    count = Note.objects.count()
    _, html = upload(client_for(alice), IMPORT, "notes.zip", data)
    assert "Done: 0 created, 4 already here, 0 skipped" in html
    assert Note.objects.count() == count


def test_a_reference_to_someone_elses_private_note_reveals_nothing(alice: User, bob: User) -> None:
    secret = make_note(bob, make_paper(bob, title="Bob's secret"), visibility="private")
    archive = _archive(_note(1, body=f"Points at {{{secret.pk}}}."))
    response, html = upload(client_for(alice), IMPORT, "a.zip", archive)
    assert response.status_code == 200
    note = Note.objects.get(author=alice)
    assert f"/n/{secret.pk}/" not in note.body_html
    assert "Bob&#x27;s secret" not in html and "Bob's secret" not in html


def test_it_checks_access(client: Client, alice: User) -> None:
    for url in (DOWNLOAD, IMPORT):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.post(IMPORT, {}).status_code == 302


def test_the_download_reads_a_bounded_number_of_queries(
    alice: User, django_assert_max_num_queries
) -> None:
    for n in range(40):
        make_note(alice, make_paper(alice, title=f"Paper {n}"))
    client = client_for(alice)
    with django_assert_max_num_queries(20):
        download(client)


# ------------------------------------------------------------------------ bad archives


def _note(number: int, **changes: object) -> dict:
    revision = {
        "revision": 0,
        "body": changes.pop("body", "A body."),
        "tags": changes.pop("tags", ["ok"]),
        "visibility": "public",
        "edit_message": changes.pop("edit_message", ""),
        "author": "someone",
        "date": "2024-01-02T03:04:05+00:00",
    }
    revision.update(changes.pop("revision", {}))
    paper = {"title": f"Paper {number}", "authors": "A B", "year": 2020}
    paper.update(changes.pop("paper", {}))
    return {"number": number, "paper": paper, "revisions": [revision], **changes}


def _archive(
    *notes: dict, extra: dict[str, bytes] | None = None, head: dict | None = None
) -> bytes:
    document = {
        "format": "papernotes-notes",
        "version": 1,
        "site": "https://elsewhere.example",
        "user": {"username": "x"},
        "notes": list(notes),
    }
    document.update(head or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.json", json.dumps(document))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.json", b"{" + b" " * (20 * 1024 * 1024) + b"}")
    return buffer.getvalue()


def _raw_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_ARCHIVES = {
    "not a zip": (b"PK? not really a zip", "This is not a zip file."),
    "a bib file": (b"@article{a, title={x}}", "This is not a zip file."),
    "zip bomb": (_bomb(), "zip bomb"),
    "path traversal": (_archive(_note(1), extra={"../../etc/evil.md": b"x"}), "outside its folder"),
    "absolute path": (_archive(_note(1), extra={"/srv/evil.md": b"x"}), "outside its folder"),
    "no notes.json": (_raw_zip({"notes/1.md": b"# hi"}), "The archive has no notes.json"),
    "malformed JSON": (
        _raw_zip({"notes.json": b'{"format": "papernotes-notes", "notes": [}'}),
        "is not valid JSON",
    ),
    "not UTF-8 JSON": (
        _raw_zip({"notes.json": '{"a": "é"}'.encode("latin-1")}),
        "is not valid JSON",
    ),
    "another format": (
        _archive(_note(1), head={"format": "something-else"}),
        "not a PaperNotes notes archive",
    ),
    "another version": (_archive(_note(1), head={"version": 99}), "of version 99"),
    "notes not a list": (_archive(head={"notes": {"a": 1}}), "has no list of notes"),
    "body not text": (_archive(_note(1, body=12)), "note 1, revision 0, has no text"),
    "body too large": (_archive(_note(1, body="x" * 300_000)), "over 200 KB"),
    "bad tags": (_archive(_note(1, tags=["<script>"])), "has tags that are not tags"),
    "bad visibility": (
        _archive(_note(1, revision={"visibility": "everyone"})),
        "no valid visibility",
    ),
    "naive date": (_archive(_note(1, revision={"date": "2024-01-02T03:04:05"})), "no valid date"),
    "no revisions": (
        _archive({"number": 1, "paper": {"title": "x"}, "revisions": []}),
        "has no revisions",
    ),
    "duplicate numbers": (_archive(_note(1), _note(1)), "note 2 has no valid number"),
    "paper without title": (_archive(_note(1, paper={"title": "  "})), "paper without a title"),
    "bad DOI": (_archive(_note(1, paper={"doi": "nope"})), "paper doi that is not valid"),
    "YAML only": (
        _raw_zip({"notes/1.md": b"---\ntitle: [unclosed\n---\nbody"}),
        "The archive has no notes.json",
    ),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_bad_archives_are_refused_and_nothing_is_saved(alice: User, case: str) -> None:
    data, message = BAD_ARCHIVES[case]
    # A valid note first: the whole archive is checked before anything is written.
    response, html = upload(client_for(alice), IMPORT, "a.zip", data)
    assert response.status_code == 400
    assert message in html, html[html.find("form-errors") :][:300]
    assert not Note.objects.exists()
    assert not Paper.objects.exists()


def test_a_50_mb_upload_is_refused(alice: User) -> None:
    data = b"PK" + b"\x00" * (50 * 1024 * 1024)
    response, html = upload(client_for(alice), IMPORT, "huge.zip", data)
    assert response.status_code == 400
    assert "larger than 20 MB" in html


def test_an_archive_unpacking_past_the_limit_is_refused(alice: User, settings) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 2048
    data = _archive(*[_note(n, body="y" * 100) for n in range(1, 40)])
    response, html = upload(client_for(alice), IMPORT, "a.zip", data)
    assert response.status_code == 400
    assert "unpacks to more than" in html


def test_hostile_strings_go_through_every_imported_field(alice: User) -> None:
    from tests.corpora import naughty_strings, xss_payloads

    strings = [s for s in naughty_strings() + xss_payloads("IntrudersXSS.txt") if s.strip()][:400]
    notes = [
        _note(
            n,
            body=text,
            edit_message=text[:300],
            paper={
                "title": " ".join(text.split())[:500] or "x",
                "authors": text[:2000],
                "venue": text[:300],
                "abstract": text,
            },
        )
        for n, text in enumerate(strings, start=1)
    ]
    response, html = upload(client_for(alice), IMPORT, "a.zip", _archive(*notes))
    assert response.status_code == 200, html[:500]
    assert "<script" not in html.lower().replace("<script src=", "")
    created = Note.objects.filter(author=alice).count()
    assert created > len(strings) // 2
    for note in Note.objects.filter(author=alice).select_related("paper")[:50]:
        page = answer_text(client_for(alice).get(f"/n/{note.pk}/"))
        assert "<script>alert" not in page.lower()
