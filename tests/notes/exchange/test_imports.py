"""Imports as jobs: the upload checked at once, the status page (its owner's alone), the
progress while the job runs, and jobs that do nothing twice, retried or run again."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from notes.exchange import bibtex_import, imports
from notes.models import Import, ImportState, Note, Paper
from tests.conftest import client_for
from tests.exchange_helpers import answer_text
from tests.jobs import job_rows, run_jobs
from tests.paths import TESTS

URL = "/import/bibtex/"
ZOTERO = (TESTS / "data" / "bibtex" / "zotero.bib").read_bytes()
DONE = "Done: 6 created, 0 matched, 2 skipped"


def _post(client: Client, data: bytes = ZOTERO, notes: str = "always") -> str:
    response = client.post(URL, {"file": SimpleUploadedFile("library.bib", data), "notes": notes})
    assert response.status_code == 302, answer_text(response)[:300]
    return response.url


def _import_of(url: str) -> Import:
    return Import.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))


def test_the_upload_is_queued_and_the_status_page_shows_progress(
    alice: User, alice_client: Client, django_assert_max_num_queries
) -> None:
    url = _post(alice_client)
    assert url.startswith("/imports/")
    record = _import_of(url)
    assert (record.state, record.done, record.total) == (ImportState.WAITING, 0, 7)
    assert [job["args"] for job in job_rows("run_import")] == [{"import_id": record.pk}]
    assert not Paper.objects.exists(), "nothing is written in the request"
    with django_assert_max_num_queries(6):
        page = answer_text(alice_client.get(url))
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress max="7" value="0">' in page
    assert "Done:" not in page
    run_jobs()
    with django_assert_max_num_queries(6):
        page = answer_text(alice_client.get(url))
    assert "http-equiv" not in page, "a finished import stops refreshing"
    assert '<progress max="7" value="7">' in page
    assert DONE in page
    record.refresh_from_db()
    assert record.state == ImportState.DONE and record.finished is not None
    assert record.plan == {} and bytes(record.upload) == b"", "the file is not kept"


def test_a_bad_file_is_refused_at_once_and_nothing_is_kept(alice_client: Client) -> None:
    response = alice_client.post(URL, {"file": SimpleUploadedFile("x.bib", b"\x00\x01")})
    assert response.status_code == 400
    assert "not a text file" in answer_text(response)
    assert not Import.objects.exists()
    assert not job_rows("run_import")


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("owner", 200), ("other", 404), ("staff", 404)]
)
def test_only_the_owner_sees_an_import(
    alice: User, bob: User, staff: User, who: str, status: int
) -> None:
    url = _post(client_for(alice))
    run_jobs()
    client = {
        "anonymous": Client(),
        "owner": client_for(alice),
        "other": client_for(bob),
        "staff": client_for(staff),
    }[who]
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response.url
    page = answer_text(response)
    assert ("Attention Is All You Need" in page) == (who == "owner")


def test_a_job_run_again_does_nothing_twice(alice: User, alice_client: Client) -> None:
    url = _post(alice_client)
    run_jobs()
    record = _import_of(url)
    state = (Paper.objects.count(), Note.objects.count(), Note.history.count())
    results = _import_of(url).results
    assert imports.run(import_id=record.pk) == 0
    assert (Paper.objects.count(), Note.objects.count(), Note.history.count()) == state
    assert _import_of(url).results == results


def test_a_killed_workers_job_retried_finishes_as_if_uninterrupted(
    alice: User, bob: User, monkeypatch
) -> None:
    monkeypatch.setattr(bibtex_import, "BATCH", 3)
    # Bob's import runs whole: what alice's must end as.
    _post(client_for(bob))
    run_jobs()
    expected = [(r["key"], r["outcome"]) for r in Import.objects.get(user=bob).results]
    bob_notes = Note.objects.filter(author=bob).count()
    url = _post(client_for(alice))
    record = _import_of(url)
    # A worker did the first batch (committed with its progress), then was killed.
    work = imports._BibTeX(Import.objects.get(pk=record.pk))
    assert imports.step(record.pk, work) is True
    record.refresh_from_db()
    assert (record.done, len(record.results), record.state) == (3, 3, ImportState.WAITING)
    page = answer_text(client_for(alice).get(url))
    assert '<progress max="7" value="3">' in page
    # The job is handed back to the queue and runs again from the start of its work.
    run_jobs()
    record.refresh_from_db()
    assert record.state == ImportState.DONE
    assert [(r["key"], r["outcome"]) for r in record.results] == [
        (key, "matched" if outcome == "created" else outcome) for key, outcome in expected
    ]
    assert Note.objects.filter(author=alice).count() == bob_notes
    assert Paper.objects.filter(created_by=alice).count() == 0, "bob's papers were matched"
    assert DONE.replace("6 created, 0 matched", "0 created, 6 matched") in answer_text(
        client_for(alice).get(url)
    )


def test_a_long_import_goes_on_in_continuation_jobs(
    alice_client: Client, settings, monkeypatch
) -> None:
    settings.IMPORT_JOB_SECONDS = 0
    monkeypatch.setattr(bibtex_import, "BATCH", 2)
    url = _post(alice_client)
    assert run_jobs() == 4, "a job per step: 2 + 2 + 2 + 1 entries"
    assert DONE in answer_text(alice_client.get(url))
    assert len(job_rows("run_import")) == 4


@pytest.mark.parametrize("last_try", [False, True])
def test_an_import_whose_job_keeps_failing_says_so_after_its_last_try(
    alice: User, alice_client: Client, monkeypatch, last_try: bool
) -> None:
    from django.db import connection

    from papernotes import jobs

    def broken(self, record):
        raise RuntimeError("the database server went away")

    monkeypatch.setattr(imports._BibTeX, "next_part", broken)
    url = _post(alice_client)
    if last_try:  # as if every try before this one had failed too
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE procrastinate_jobs SET attempts = %s WHERE task_name = 'run_import'",
                [jobs.RETRY.max_attempts],
            )
    with pytest.raises(RuntimeError):  # the job fails (a worker would retry it or not)
        run_jobs()
    record = _import_of(url)
    page = answer_text(alice_client.get(url))
    if last_try:
        assert record.state == ImportState.FAILED and record.finished is not None
        assert "The import stopped" in page and "importing the same file again" in page
        assert "http-equiv" not in page  # the page no longer reloads itself
    else:  # to be tried again later: the page goes on waiting
        assert record.state == ImportState.WAITING and record.finished is None
        assert "http-equiv" in page
