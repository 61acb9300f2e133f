#!/usr/bin/env python3
"""Mirror your PaperNotes notes into a folder of Markdown files, and send edits back.

Uses only the public API and Python's standard library:

    PAPERNOTES_URL=https://notes.example.org PAPERNOTES_TOKEN=pn_… \\
        python tools/pnsync.py pull ~/papernotes
    python tools/pnsync.py push ~/papernotes

``pull`` writes one file per note (``<number>.md``: front matter, then the Markdown),
asking only for what changed since the last pull (a pull after no change transfers
nothing but a 304), and removes the files of notes trashed or made unreadable. ``push``
sends each file edited since the last pull with the revision it was pulled at; a note
that changed on the site meanwhile is a conflict: it is reported, and neither the file
nor the note is changed. A pull then keeps the edited file and writes the site's text
beside it (``<number>.md.site``): merge, take the site's revision, push again.

A file's front matter holds JSON values, one per line (also valid YAML):

    ---
    id: 12
    paper: 5
    title: "Attention is all you need"
    tags: ["nlp", "transformers"]
    visibility: "public"
    revision: 3
    ---
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = ".papernotes-sync.json"
FIELDS = ("id", "paper", "title", "tags", "visibility", "revision")


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body.get('detail', body)}")
        self.status = status
        self.body = body


@dataclass
class Api:
    base: str
    token: str
    requests: int = 0

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        data = None if body is None else json.dumps(body).encode()
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) address: {url}")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                return response.status, dict(response.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            if error.code == 304:
                return 304, dict(error.headers), None
            raise ApiError(error.code, json.loads(raw) if raw else {}) from None


@dataclass
class State:
    version: int = 0
    username: str = ""
    # note id -> sha256 of the file as last pulled or pushed
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> State:
        path = folder / STATE_FILE
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(version=data["version"], username=data["username"], files=data["files"])

    def save(self, folder: Path) -> None:
        data = {"version": self.version, "username": self.username, "files": self.files}
        (folder / STATE_FILE).write_text(json.dumps(data, indent=1, sort_keys=True))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def render(note: dict[str, Any]) -> str:
    meta = {
        "id": note["id"],
        "paper": note["paper"]["id"],
        "title": note["paper"]["title"],
        "tags": note["tags"],
        "visibility": note["visibility"],
        "revision": note["revision"],
    }
    head = "\n".join(f"{key}: {json.dumps(meta[key], ensure_ascii=False)}" for key in FIELDS)
    return f"---\n{head}\n---\n{note['body']}"


def parse(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    head, _, body = text[4:].partition("\n---\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = json.loads(value.strip())
    return meta, body


def pull(api: Api, folder: Path, out: Any = sys.stdout) -> int:
    """Bring the folder up to date; returns how many files were written or removed."""
    folder.mkdir(parents=True, exist_ok=True)
    state = State.load(folder)
    if not state.username:
        state.username = api.call("GET", "/me/")[2]["username"]
    user = urllib.parse.quote(state.username)
    url = f"/notes/?user={user}&since={state.version}&page_size=200"
    headers = {"If-Modified-Since-Version": str(state.version)} if state.version else {}
    new_version = None
    touched = 0
    while url:
        status, response_headers, body = api.call("GET", url, headers=headers)
        headers = {}
        if status == 304:
            print("Nothing changed.", file=out)
            return 0
        if new_version is None:
            # The version of the first page: whatever changes while paging is newer.
            new_version = int(response_headers["Last-Modified-Version"])
        for note in body["results"]:
            text = render(note)
            path = folder / f"{note['id']}.md"
            if path.exists() and digest(path.read_text()) != state.files.get(path.stem):
                # Edited here and on the site: keep both, for the person to merge.
                path.with_suffix(".md.site").write_text(text)
                print(
                    f"{{{note['id']}}} changed here and on the site: the site's text is in "
                    f"{path.name}.site; merge it into {path.name}, set its revision to "
                    f"{note['revision']}, and push.",
                    file=out,
                )
            else:
                path.write_text(text)
                state.files[str(note["id"])] = digest(text)
            touched += 1
        url = body["next"]
    if state.version:
        gone = api.call("GET", f"/deleted/?since={state.version}")[2]["notes"]
        for number in gone:
            path = folder / f"{number}.md"
            if path.exists():
                path.unlink()
                touched += 1
            state.files.pop(str(number), None)
    state.version = new_version or state.version
    state.save(folder)
    print(f"Pulled {touched} change(s); at version {state.version}.", file=out)
    return touched


def push(api: Api, folder: Path, out: Any = sys.stdout) -> list[int]:
    """Send the files edited since the last pull; returns the notes in conflict."""
    state = State.load(folder)
    conflicts = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text()
        if state.files.get(path.stem) == digest(text):
            continue
        meta, body = parse(text)
        change = {
            "body": body,
            "tags": meta["tags"],
            "visibility": meta["visibility"],
            "base_revision": meta["revision"],
        }
        try:
            _, _, note = api.call("PATCH", f"/notes/{meta['id']}/", change)
        except ApiError as error:
            if error.status in (409, 412):
                head = error.body.get("head", {})
                print(
                    f"Conflict on {{{meta['id']}}}: you edited revision {meta['revision']}, "
                    f"the site has revision {head.get('revision')}. Nothing was changed; "
                    "pull to get the site's text beside yours, merge, and push again.",
                    file=out,
                )
                conflicts.append(meta["id"])
                continue
            raise
        saved = render(note)
        path.write_text(saved)
        state.files[path.stem] = digest(saved)
        print(f"Pushed {{{meta['id']}}}: now revision {note['revision']}.", file=out)
    state.save(folder)
    return conflicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["pull", "push"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    base = os.environ.get("PAPERNOTES_URL", "http://127.0.0.1:8000").rstrip("/")
    token = os.environ.get("PAPERNOTES_TOKEN", "")
    if not token:
        parser.error("set PAPERNOTES_TOKEN to a personal access token (Settings → API tokens)")
    api = Api(base, token)
    if args.command == "pull":
        pull(api, args.folder)
        return 0
    return 1 if push(api, args.folder) else 0


if __name__ == "__main__":
    sys.exit(main())
