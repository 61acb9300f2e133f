"""Checks every upload passes before anything reads it: size, encoding, zip safety.

Each check raises ``Refused`` with a message for the user; nothing has been written then.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_noop

from notes.wording import said, words


class Refused(Exception):
    """A refusal, kept as its message id and parameters so that ``message`` says it in the
    language active where it is read (the request's, not the one where it was raised)."""

    def __init__(self, text: str, /, **args: Any) -> None:
        super().__init__(text)
        self.said = said(text, **args)

    @property
    def message(self) -> str:
        return words(self.said)


def _megabytes(size: int) -> int:
    return round(size / (1024 * 1024))


def check_size(upload: UploadedFile | None) -> UploadedFile:
    if upload is None:
        raise Refused(gettext_noop("Choose a file to upload."))
    if upload.size is None or upload.size > settings.IMPORT_MAX_BYTES:
        raise Refused(
            gettext_noop(
                "The file is larger than %(mb)s MB, the most an import takes. "
                "Split it into smaller files."
            ),
            mb=_megabytes(settings.IMPORT_MAX_BYTES),
        )
    if upload.size == 0:
        raise Refused(gettext_noop("The file is empty."))
    return upload


def read_text(upload: UploadedFile) -> str:
    """The upload as text: UTF-8 (with or without a byte-order mark), no NUL bytes."""
    data = check_size(upload).read(settings.IMPORT_MAX_BYTES + 1)
    if b"\x00" in data:
        raise Refused(
            gettext_noop("This is not a text file (it holds binary data). Upload a .bib file.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(
            gettext_noop(
                "The file is not UTF-8 text (byte %(byte)s is not). Export it again as "
                "UTF-8 (Zotero, JabRef and Mendeley can), then upload it."
            ),
            byte=exc.start + 1,
        ) from None


def open_zip(upload: UploadedFile) -> zipfile.ZipFile:
    """The upload as a zip archive whose every member is safe to unpack.

    Refused: not a zip; more than ``IMPORT_MAX_UNPACKED_BYTES`` unpacked in all; a member
    compressed more than ``IMPORT_MAX_RATIO`` times (a zip bomb); a member whose name is
    absolute or climbs out of the archive (``..``); too many members.
    """
    check_size(upload)
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise Refused(
            gettext_noop(
                "This is not a zip file. Upload the .zip that “Download my notes” gave you."
            )
        )
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused(gettext_noop("This zip file is damaged and cannot be read.")) from None
    if len(members) > MAX_MEMBERS:
        raise Refused(
            gettext_noop(
                "The archive holds more than %(most)s files; this is not a notes archive."
            ),
            most=MAX_MEMBERS,
        )
    total = 0
    for member in members:
        name = member.filename
        path = PurePosixPath(name)
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or ".." in path.parts
            or (path.parts and ":" in path.parts[0])
        ):
            raise Refused(
                gettext_noop(
                    "The archive holds a file named “%(name)s” outside its folder; refused."
                ),
                name=name[:100],
            )
        total += member.file_size
        if member.file_size > RATIO_FLOOR_BYTES and (
            member.compress_size == 0
            or member.file_size / member.compress_size > settings.IMPORT_MAX_RATIO
        ):
            raise Refused(_ZIP_BOMB)
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise Refused(
            gettext_noop("The archive unpacks to more than %(mb)s MB; refused."),
            mb=_megabytes(settings.IMPORT_MAX_UNPACKED_BYTES),
        )
    return archive


MAX_MEMBERS = 200_000
_ZIP_BOMB = gettext_noop("The archive unpacks to far more than its size (a zip bomb); refused.")
# Small members may compress well (a short JSON file of repeated keys) without harm.
RATIO_FLOOR_BYTES = 1024 * 1024


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, reading no more than the unpacked limit whatever its header says."""
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except KeyError:
        raise Refused(
            gettext_noop("The archive has no %(name)s; it is not a notes archive."), name=name
        ) from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        raise Refused(
            gettext_noop("%(name)s in the archive is damaged and cannot be read."), name=name
        ) from None
    if len(data) > limit:
        raise Refused(_ZIP_BOMB)
    return data
