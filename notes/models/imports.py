"""Files being imported by a job: what is still to do, how far it got, what became of
each entry."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    BIBTEX = "bibtex", "BibTeX library"
    NOTES = "notes", "notes archive"


class ImportState(models.TextChoices):
    WAITING = "waiting", "waiting"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class Import(models.Model):
    """An uploaded file being imported by a job (``notes.exchange.imports``): what is still
    to do, how far it got and what became of each entry, read by its status page.

    The file is kept in the row (``upload``, or the checked entries in ``plan``), not on a
    disk: workers may run on other hosts than the web server that took it. It is at most
    ``IMPORT_MAX_BYTES`` and is emptied once the import is done.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports"
    )
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255, blank=True)
    upload = models.BinaryField(blank=True, default=b"")
    plan = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.WAITING
    )
    # Why it failed: a message id (English), and its parameters (``notes.wording``), put
    # into words in the reader's language by the page that shows it.
    error = models.CharField(max_length=500, blank=True)
    error_args = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} of user {self.user_id}"

    @property
    def is_finished(self) -> bool:
        return self.state != ImportState.WAITING
