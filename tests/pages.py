"""Every type of page of the site, with its address for a seeded set of objects: the one list
that the tests walking the pages read (axe's accessibility rules, the content-security policy,
no English left in the Arabic interface). Each walk takes the pages of the readers it plays
and says which page types it leaves out, and why.

A new page type is added here, once, for every walk.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notes.models import Comment, Note

# Who opens a page: nobody logged in, the note's author, the comment's author (someone else),
# a member of the staff.
VISITOR = "visitor"
AUTHOR = "author"
COMMENTER = "commenter"
STAFF = "staff"
NO_MATCH = "nothing-matches-this"  # a search that finds nothing


@dataclass(frozen=True)
class PageType:
    name: str  # what the page is, e.g. "note history"
    path: str  # its address for the seeded objects
    reader: str  # VISITOR, AUTHOR, COMMENTER or STAFF
    status: int = 200  # what it answers


def page_types(note: Note, comment: Comment, *, tag: str, query: str) -> list[PageType]:
    """The page types for ``note`` (with at least two revisions, 0 and 1), a ``comment`` on it
    by someone else, a ``tag`` it carries and a search ``query`` that finds it."""
    author = note.author
    n = f"/n/{note.pk}"
    c = f"{n}/c/{comment.pk}"
    paper = f"/papers/{note.paper_id}"
    reset = (
        f"/accounts/reset/{urlsafe_base64_encode(force_bytes(author.pk))}/"
        f"{default_token_generator.make_token(author)}/"
    )
    pages = {
        VISITOR: [
            ("home", "/"),
            ("note", f"{n}/"),
            ("note print", f"{n}/print/"),
            ("note history", f"{n}/history/"),
            ("note revision", f"{n}/r/0/"),
            ("note diff", f"{n}/diff/0/1/"),
            ("paper", f"{paper}/"),
            ("papers", "/papers/"),
            ("tags", "/tags/"),
            ("tag", f"/tags/{tag}/"),
            ("search", f"/search/?q={query}"),
            ("search without results", f"/search/?q={NO_MATCH}"),
            ("search form", "/search/"),
            ("user", f"/u/{author.username}/"),
            ("login", "/accounts/login/"),
            ("signup", "/accounts/signup/"),
            ("password reset", "/accounts/password/reset/"),
            ("password reset link", reset),
        ],
        AUTHOR: [
            ("note", f"{n}/"),
            ("editor", f"{n}/edit/"),
            ("paper", f"{paper}/"),
            ("new paper", "/papers/new/"),
            ("comment history", f"{c}/history/"),
            ("notifications", "/notifications/"),
            ("notification settings", "/notifications/settings/"),
            ("following", "/following/"),
            ("trash", "/trash/"),
            ("profile", "/accounts/profile/"),
            ("password change", "/accounts/password/"),
            ("paper edit", f"{paper}/edit/"),
            ("revert", f"{n}/revert/0/"),
        ],
        COMMENTER: [
            ("note", f"{n}/"),
            ("comment edit", f"{c}/edit/"),
            ("comment delete", f"{c}/delete/"),
            ("flag", f"{n}/flag/"),
            ("following", "/following/"),
            ("notifications", "/notifications/"),
        ],
        STAFF: [
            ("moderation", "/moderation/"),
            ("admin", "/admin/"),
            ("admin notes", "/admin/notes/note/"),
            ("admin note", f"/admin/notes/note/{note.pk}/change/"),
            ("admin note history", f"/admin/notes/note/{note.pk}/history/"),
            ("admin users", "/admin/accounts/user/"),
        ],
    }
    found = [
        PageType(name, path, reader) for reader, named in pages.items() for name, path in named
    ]
    # The author has a note on the paper: writing on it again leads to that note's editor.
    found.append(PageType("write on a paper", f"{paper}/write/", AUTHOR, status=302))
    found.append(PageType("not found", "/no-such-page/", VISITOR, status=404))
    return found


def paths(pages: list[PageType], reader: str, *, leaving_out: set[str] = frozenset()) -> list[str]:
    """The addresses of ``reader``'s pages, but the types named in ``leaving_out`` (each one
    a page type of that reader: a name that is not is a mistake, and raises)."""
    names = {page.name for page in pages if page.reader == reader}
    if unknown := set(leaving_out) - names:
        raise ValueError(f"no {reader} page type named {sorted(unknown)}")
    return [page.path for page in pages if page.reader == reader and page.name not in leaving_out]
