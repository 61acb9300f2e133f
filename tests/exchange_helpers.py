"""Uploading files to the import pages and reading what they answer (streamed or not)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client


def answer_text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def upload(
    client: Client, url: str, name: str, data: bytes, **fields: str
) -> tuple[HttpResponse, str]:
    response = client.post(url, {"file": SimpleUploadedFile(name, data), **fields})
    return response, answer_text(response)
