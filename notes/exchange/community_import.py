"""The community part of a notes archive imported: the user's comments, votes, ratings and
follows, where what they were on is here.

A note is found by the archive's number: one of the archive's own notes is the note it
became here (new, or the user's note already on that paper); any other number is taken
as this site's note only when the archive was made on this site (its ``site`` is our
``SITE_URL``) and the user may read that note. Numbers from another site mean nothing
here, so what was on them is reported, never guessed. Papers are found by identifier,
else by title and year, and never created for a rating or a follow; a followed user is
found by name only on the site the archive came from.

Every item is looked for before it is written (the same comment text by the user on the
same note and under the same parent, a vote, a rating, a follow), so an archive
imported twice writes nothing the second time. Items are written in the order of the
archive, a comment's parent before its replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from accounts.models import User
from notes.exchange.archive import ArchiveResult, find_paper, paper_fields, read_json
from notes.exchange.uploads import Refused
from notes.models import MAX_BODY_BYTES, Comment, Follow, Note
from notes.models.reactions import MAX_STARS, MIN_STARS, NoteVote, PaperRating
from notes.services import TooComplexToRender, comments, follows, reactions
from notes.wording import Said, said

CREATED, EXISTS, SKIPPED = "created", "exists", "skipped"
_LISTS = ("comments", "votes", "ratings", "follows")


@dataclass
class Community:
    site: str
    comments: list[dict[str, Any]]
    votes: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    follows: list[dict[str, Any]]


def read_community(upload: UploadedFile) -> Community:
    """The archive's community lists; ``Refused`` when one is not a list of objects.
    (Each item is checked as it is imported: a bad one is reported, the rest imported.)"""
    data = read_json(upload)
    lists = {}
    for name in _LISTS:
        items = data.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Refused(
                gettext_noop(
                    "notes.json is not a notes archive this site can read: its %(name)s "
                    "are not a list of objects."
                ),
                name=name,
            )
        lists[name] = items
    return Community(site=str(data.get("site", "")), **lists)


def import_community(
    community: Community, *, notes: dict[int, int], user: User
) -> list[ArchiveResult]:
    """Import the community lists for ``user``; ``notes`` maps the archive's note numbers
    to the notes they are here. A result per item."""
    here = _Targets(notes=notes, user=user, same_site=community.site == settings.SITE_URL)
    results = [_comment(item, here) for item in _by_id(community.comments)]
    results += [_vote(item, here) for item in community.votes]
    results += [_rating(item, user) for item in community.ratings]
    results += [_follow(item, here) for item in community.follows]
    return results


def _by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item["id"] if _is_int(item.get("id")) else 0)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**12


class _Targets:
    def __init__(self, *, notes: dict[int, int], user: User, same_site: bool) -> None:
        self.notes, self.user, self.same_site = notes, user, same_site
        self.comments: dict[int, Comment] = {}  # the archive's comment ids to comments here

    def note(self, number: object) -> Note | None:
        if not _is_int(number):
            return None
        pk = self.notes.get(number) or (number if self.same_site else None)  # type: ignore[call-overload]
        return Note.objects.visible_to(self.user).filter(pk=pk).first() if pk else None


_NOT_HERE = said(
    gettext_noop("The note it was on is not among the archive's notes, and is not on this site.")
)


def _comment(item: dict[str, Any], here: _Targets) -> ArchiveResult:
    number = item.get("note")
    result = ArchiveResult(
        title=said(
            gettext_noop("Comment on {%(number)s} (its number in the archive)"), number=number
        ),
        outcome=SKIPPED,
    )
    body = item.get("body")
    created = parse_datetime(item["created"]) if isinstance(item.get("created"), str) else None
    if not isinstance(body, str) or not body.strip() or len(body.encode()) > MAX_BODY_BYTES:
        result.reason = said(gettext_noop("It has no text, or too long a text."))
        return result
    note = here.note(number)
    if note is None:
        result.reason = _NOT_HERE
        return result
    result.title = said(gettext_noop("Comment on {%(number)s}"), number=note.pk)
    result.note_id = note.pk
    parent = None
    if item.get("parent") is not None:
        parent = here.comments.get(item["parent"]) if _is_int(item["parent"]) else None
        if parent is None and here.same_site and _is_int(item["parent"]):
            parent = Comment.objects.filter(pk=item["parent"], note=note).first()
        if parent is None or parent.is_deleted or parent.is_hidden:
            result.reason = said(gettext_noop("It answered a comment that is not here."))
            return result
    body = body.replace("\x00", "")
    existing = Comment.objects.filter(
        note=note, author=here.user, parent=parent, body=body, deleted_at__isnull=True
    ).first()
    if existing is not None:
        result.outcome, result.reason = EXISTS, said(gettext_noop("This comment is here already."))
        here.comments[item["id"]] = existing
        return result
    try:
        comment = comments.comment_import(
            note=note,
            author=here.user,
            body=body,
            parent=parent,
            created=created if created and timezone.is_aware(created) else timezone.now(),
        )
    except TooComplexToRender as refused:
        result.reason = refused.said
        return result
    if _is_int(item.get("id")):
        here.comments[item["id"]] = comment
    result.outcome = CREATED
    return result


def _vote(item: dict[str, Any], here: _Targets) -> ArchiveResult:
    number = item.get("note")
    result = ArchiveResult(
        title=said(
            gettext_noop("Vote for {%(number)s} (its number in the archive)"), number=number
        ),
        outcome=SKIPPED,
    )
    note = here.note(number)
    if note is None:
        result.reason = _NOT_HERE
        return result
    result.title = said(gettext_noop("Vote for {%(number)s}"), number=note.pk)
    result.note_id = note.pk
    if note.author_id == here.user.pk:
        result.reason = said(gettext_noop("It is your own note now; you cannot vote for it."))
    elif NoteVote.objects.filter(note=note, user=here.user).exists():
        result.outcome = EXISTS
    else:
        reactions.note_vote(note=note, user=here.user, vote=True)
        result.outcome = CREATED
    return result


def _paper_of(item: dict[str, Any]) -> tuple[Any, Said | None]:
    try:
        fields = paper_fields(item.get("paper"), said(gettext_noop("an item")))
    except Refused:
        return None, said(gettext_noop("Its paper is not described well enough to be found."))
    if paper := find_paper(fields):
        return paper, None
    return None, said(
        gettext_noop("The paper “%(title)s” is not on this site."), title=fields["title"][:100]
    )


def _rating(item: dict[str, Any], user: User) -> ArchiveResult:
    result = ArchiveResult(title=said(gettext_noop("Rating")), outcome=SKIPPED)
    stars = item.get("stars")
    if not _is_int(stars) or not MIN_STARS <= stars <= MAX_STARS:
        result.reason = said(gettext_noop("It has no number of stars."))
        return result
    paper, why = _paper_of(item)
    if paper is None:
        result.reason = why
        return result
    result.title = said(
        gettext_noop("Rating of “%(title)s”: %(stars)s"), stars=stars, title=paper.title[:100]
    )
    if PaperRating.objects.filter(paper=paper, user=user).exists():
        result.outcome, result.reason = (
            EXISTS,
            said(gettext_noop("You have rated this paper; your rating stays.")),
        )
    else:
        reactions.paper_rate(paper=paper, user=user, stars=stars)
        result.outcome = CREATED
    return result


def _follow(item: dict[str, Any], here: _Targets) -> ArchiveResult:
    result = ArchiveResult(title=said(gettext_noop("Follow")), outcome=SKIPPED)
    target: dict[str, Any] = {}
    if isinstance(item.get("tag"), str) and item["tag"]:
        target, result.title = (
            {"tag": item["tag"].lower()},
            said(gettext_noop("Follow of tag %(tag)s"), tag=item["tag"][:100]),
        )
    elif isinstance(item.get("user"), str):
        result.title = said(gettext_noop("Follow of %(name)s"), name=item["user"][:150])
        followed = User.objects.filter(username=item["user"]).first() if here.same_site else None
        if followed is None:
            result.reason = said(
                gettext_noop(
                    "That person is not on this site (a name from another site is not guessed)."
                )
            )
            return result
        target = {"user": followed}
    elif "paper" in item:
        paper, why = _paper_of(item)
        if paper is None:
            result.reason = why
            return result
        target, result.title = (
            {"paper": paper},
            said(gettext_noop("Follow of “%(title)s”"), title=paper.title[:100]),
        )
    else:
        result.reason = said(gettext_noop("It follows nothing this site knows."))
        return result
    lookup = {"followed_user": target["user"]} if "user" in target else target
    if Follow.objects.filter(user=here.user, **lookup).exists():
        result.outcome = EXISTS
        return result
    try:
        follows.follow(follower=here.user, **target)
    except follows.CannotFollow as refused:
        result.reason = refused.said
        return result
    result.outcome = CREATED
    return result
