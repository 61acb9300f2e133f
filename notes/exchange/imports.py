"""Imports of uploaded files as jobs: checked in the request, written by a worker.

``start_bibtex`` and ``start_archive`` check an upload whole in the request (a bad file is
refused at once, with nothing kept), store it in an ``Import`` row and queue the job
``run_import`` in the same transaction. The row lives in the database rather than on a
disk because workers may run on other hosts than the web server that took the file; it
holds at most ``IMPORT_MAX_BYTES`` and is emptied when the import is done. A BibTeX file
is kept as the entries its check parsed (``plan``), so that the job need not parse the
file again; an archive is kept as it came (``upload``), to be read again by the job.

``run`` works in steps, each in its own transaction that locks the row, does the next
part (``BATCH`` entries, ``CHUNK`` notes) from where the row says the import got, and
records the progress and the results of that part with it. So the status page sees the
progress as it goes; a worker killed in the middle loses only the step it was in, which
the retried job does again; and a job run twice (a retry, a continuation) finds the work
done and does nothing twice. After ``IMPORT_JOB_SECONDS`` a job queues its continuation
and ends, so that a large import does not keep a worker from other jobs for minutes.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from notes.exchange import archive, bibtex_import, community_import
from notes.exchange.uploads import Refused, check_size, read_text
from notes.models import Import, ImportKind, ImportState
from papernotes import queue

CHUNK = 50  # notes of an archive per step (each with its whole history)


def start_bibtex(*, user: User, upload: UploadedFile | None, notes: str) -> Import:
    """Check a .bib upload and queue its import; ``Refused`` when it is not one."""
    entries, broken = bibtex_import.parse_library(read_text(check_size(upload)))
    plan = {
        "notes": notes,
        "entries": [dataclasses.asdict(entry) for entry in entries],
        "broken": [dataclasses.asdict(result) for result in broken],
    }
    return _start(
        user=user, kind=ImportKind.BIBTEX, name=upload.name, plan=plan, total=len(entries)
    )


def start_archive(*, user: User, upload: UploadedFile | None) -> Import:
    """Check a notes archive and queue its import; ``Refused`` when it cannot be read."""
    _, planned = archive.read_archive(check_size(upload))
    community_import.read_community(upload)
    upload.seek(0)
    return _start(
        user=user,
        kind=ImportKind.NOTES,
        name=upload.name,
        upload=upload.read(),
        total=len(planned),
    )


def _start(*, user: User, kind: str, name: str | None, total: int, **stored: Any) -> Import:
    with transaction.atomic():
        record = Import.objects.create(
            user=user, kind=kind, file_name=(name or "")[:255], total=total, **stored
        )
        queue.defer("run_import", import_id=record.pk)
    return record


# ----------------------------------------------------------------------------- the job


def run(*, import_id: int) -> int:
    """Go on with import ``import_id`` from where it got; how many steps this run did."""
    record = Import.objects.filter(pk=import_id).first()
    if record is None or record.is_finished:
        return 0
    work = _BibTeX(record) if record.kind == ImportKind.BIBTEX else _Archive(record)
    deadline = time.monotonic() + settings.IMPORT_JOB_SECONDS
    steps = 0
    while step(import_id, work):
        steps += 1
        if time.monotonic() >= deadline:
            queue.defer("run_import", import_id=import_id)
            break
    return steps


# Stored as its message id, which the status page translates (``Import.error``).
GAVE_UP = gettext_noop(
    "The import failed on the server and was stopped. What it had imported is kept; "
    "importing the same file again adds only what is missing."
)


def give_up(*, import_id: int) -> None:
    """Mark import ``import_id`` failed (its job will not be tried again), keeping what it
    did; an import already finished is left as it is."""
    Import.objects.filter(pk=import_id, state=ImportState.WAITING).update(
        state=ImportState.FAILED, error=GAVE_UP, finished=timezone.now(), upload=b"", plan={}
    )


def step(import_id: int, work: _Work) -> bool:
    """Do the next part of the import, in one transaction with its progress; whether
    there is more to do."""
    with transaction.atomic():
        record = Import.objects.select_for_update().defer("upload", "plan").get(pk=import_id)
        if record.is_finished:
            return False
        try:
            results = work.next_part(record)
        except Refused as refused:  # the file was checked when it came: only a change here
            # As a message id and its parameters: a job does not know its reader's language.
            record.state = ImportState.FAILED
            record.error, record.error_args = refused.said["text"][:500], refused.said["args"]
            results = []
        record.results = [*record.results, *results]
        if record.state == ImportState.FAILED or record.done >= record.total:
            if record.state != ImportState.FAILED:
                record.results += work.finish(record)
                record.state = ImportState.DONE
            record.finished = timezone.now()
            Import.objects.filter(pk=import_id).update(upload=b"", plan={})
        record.save(update_fields=["done", "results", "state", "error", "error_args", "finished"])
        return not record.is_finished


class _Work:
    def next_part(self, record: Import) -> list[dict[str, Any]]:
        """Import the next part, advance ``record.done``; the part's results."""
        raise NotImplementedError

    def finish(self, record: Import) -> list[dict[str, Any]]:
        """What is left once every part is in (in the last part's transaction)."""
        return []


class _BibTeX(_Work):
    def __init__(self, record: Import) -> None:
        self.notes = record.plan["notes"]
        self.entries = [bibtex_import.Entry(**entry) for entry in record.plan["entries"]]
        self.broken = record.plan["broken"]

    def next_part(self, record: Import) -> list[dict[str, Any]]:
        batch = self.entries[record.done : record.done + bibtex_import.BATCH]
        results = bibtex_import.import_batch(batch, user=record.user, notes=self.notes)
        record.done += len(batch)
        return [dataclasses.asdict(result) for result in results]

    def finish(self, record: Import) -> list[dict[str, Any]]:
        return self.broken


class _Archive(_Work):
    """The archive is read again from the row (it was checked when it came), once a job."""

    def __init__(self, record: Import) -> None:
        upload = SimpleUploadedFile(record.file_name or "notes.zip", bytes(record.upload))
        self.origin, self.planned = archive.read_archive(upload)
        self.community = community_import.read_community(upload)

    def next_part(self, record: Import) -> list[dict[str, Any]]:
        plan = Import.objects.values_list("plan", flat=True).get(pk=record.pk)
        if "notes" not in plan:
            # First, every note's fate, so that references can be renumbered.
            plan = {"notes": archive.plan_import(self.planned, user=record.user)}
            Import.objects.filter(pk=record.pk).update(plan=plan)
        end = record.done + CHUNK
        results = archive.import_notes(
            self.planned[record.done : end],
            plan["notes"][record.done : end],
            numbers=archive.numbers_of(self.planned, plan["notes"]),
            origin=self.origin,
            user=record.user,
        )
        record.done = min(end, record.total)
        return [{"section": "notes", **dataclasses.asdict(r)} for r in results]

    def finish(self, record: Import) -> list[dict[str, Any]]:
        plan = Import.objects.values_list("plan", flat=True).get(pk=record.pk)
        notes = plan.get("notes", [])
        numbers = archive.numbers_of(self.planned, notes)
        archive.link_imported(numbers)
        # The archive's numbers to the notes they are here: new, or the one already there.
        here = {
            item.number: step["number"] or step["exists"]
            for item, step in zip(self.planned, notes, strict=True)
        }
        return [
            {"section": "community", **dataclasses.asdict(r)}
            for r in community_import.import_community(self.community, notes=here, user=record.user)
        ]
