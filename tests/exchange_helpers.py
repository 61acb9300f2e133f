"""Uploading files to the import pages and reading what they answer (streamed or not).

An accepted upload is answered with a redirect to its import's status page; ``upload``
runs the queued import job (``tests.jobs.run_jobs``) and reads that page, as a user
would once the job is done."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

from tests.jobs import run_jobs


def answer_text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def upload(
    client: Client, url: str, name: str, data: bytes, **fields: str
) -> tuple[HttpResponse, str]:
    response = client.post(url, {"file": SimpleUploadedFile(name, data), **fields})
    if response.status_code == 302 and "/imports/" in response.url:
        run_jobs()
        response = client.get(response.url)
    return response, answer_text(response)
