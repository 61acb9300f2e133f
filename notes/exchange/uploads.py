"""Checks every upload passes before anything reads it: size, encoding, zip safety.

Each check raises ``Refused`` with a message for the user; nothing has been written then.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def check_size(upload: UploadedFile | None) -> UploadedFile:
    if upload is None:
        raise Refused("Choose a file to upload.")
    if upload.size is None or upload.size > settings.IMPORT_MAX_BYTES:
        raise Refused(
            f"The file is larger than {_megabytes(settings.IMPORT_MAX_BYTES)}, the most an "
            "import takes. Split it into smaller files."
        )
    if upload.size == 0:
        raise Refused("The file is empty.")
    return upload


def read_text(upload: UploadedFile) -> str:
    """The upload as text: UTF-8 (with or without a byte-order mark), no NUL bytes."""
    data = check_size(upload).read(settings.IMPORT_MAX_BYTES + 1)
    if b"\x00" in data:
        raise Refused("This is not a text file (it holds binary data). Upload a .bib file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(
            f"The file is not UTF-8 text (byte {exc.start + 1} is not). Export it again as "
            "UTF-8 (Zotero, JabRef and Mendeley can), then upload it."
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
        raise Refused("This is not a zip file. Upload the .zip that “Download my notes” gave you.")
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused("This zip file is damaged and cannot be read.") from None
    if len(members) > MAX_MEMBERS:
        raise Refused(
            f"The archive holds more than {MAX_MEMBERS} files; this is not a notes archive."
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
                f"The archive holds a file named “{name[:100]}” outside its folder; refused."
            )
        total += member.file_size
        if member.file_size > RATIO_FLOOR_BYTES and (
            member.compress_size == 0
            or member.file_size / member.compress_size > settings.IMPORT_MAX_RATIO
        ):
            raise Refused("The archive unpacks to far more than its size (a zip bomb); refused.")
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise Refused(
            "The archive unpacks to more than "
            f"{_megabytes(settings.IMPORT_MAX_UNPACKED_BYTES)}; refused."
        )
    return archive


MAX_MEMBERS = 200_000
# Small members may compress well (a short JSON file of repeated keys) without harm.
RATIO_FLOOR_BYTES = 1024 * 1024


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, reading no more than the unpacked limit whatever its header says."""
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except KeyError:
        raise Refused(f"The archive has no {name}; it is not a notes archive.") from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        raise Refused(f"{name} in the archive is damaged and cannot be read.") from None
    if len(data) > limit:
        raise Refused("The archive unpacks to far more than its size (a zip bomb); refused.")
    return data
