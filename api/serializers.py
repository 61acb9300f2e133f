"""What the API shows of each object, and what it accepts.

Notes and comments come with their Markdown source (``body``) and the HTML rendered at
save (``body_html``), the same HTML the pages show.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import get_script_prefix
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import User
from notes import services
from notes.caching.entry_html import number_url
from notes.models import MAX_BODY_BYTES, MAX_COMMENT_BYTES, Comment, Note, Paper, Visibility


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ("username", "name")
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    token_scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "name", "display_name", "affiliation", "bio", "is_staff")
        fields = (*fields, "token_scope")
        read_only_fields = fields

    def get_token_scope(self, user: User) -> str | None:
        token = self.context["request"].auth
        return getattr(token, "scope", None)


class PaperBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Paper
        fields = ("id", "title", "year")
        read_only_fields = fields


class PaperSerializer(serializers.ModelSerializer):
    rating_average = serializers.FloatField(read_only=True, allow_null=True)
    html_url = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Paper
        fields = (
            *("id", "title", "authors", "year", "venue", "abstract", "url"),
            *("doi", "arxiv_id", "pmid", "created", "modified"),
            *("rating_count", "rating_average", "view_count", "html_url", "version"),
        )
        read_only_fields = (
            *("id", "created", "modified", "rating_count", "rating_average", "view_count"),
            *("html_url", "version"),
        )
        extra_kwargs = {
            # Without a title, a paper is found by its identifiers (``validate``).
            "title": {"required": False},
            "doi": {"validators": []},
            "arxiv_id": {"validators": []},
            "pmid": {"validators": []},
        }

    def get_html_url(self, paper: Paper) -> str:
        return absolute(paper.get_absolute_url())

    def _identifier(self, value: str | None, name: str) -> str | None:
        if not value or not value.strip():
            return None
        try:
            return services.normalized_identifier(name, value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_doi(self, value: str | None) -> str | None:
        return self._identifier(value, "doi")

    def validate_arxiv_id(self, value: str | None) -> str | None:
        return self._identifier(value, "arxiv_id")

    def validate_pmid(self, value: str | None) -> str | None:
        return self._identifier(value, "pmid")

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A paper needs a title."))
        return value.strip()

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        identifiers = {n: data.get(n) or "" for n in ("doi", "arxiv_id", "pmid")}
        if not data.get("title") and not (
            any(identifiers.values()) and Paper.objects.by_identifier(**identifiers)
        ):
            raise serializers.ValidationError(
                {"title": _("A paper not yet here needs a title (and may have identifiers).")}
            )
        return data


class NoteSerializer(serializers.ModelSerializer):
    paper = PaperBriefSerializer(read_only=True)
    author = UserSerializer(read_only=True)
    tags = serializers.ListField(source="tag_names", child=serializers.CharField(), read_only=True)
    in_trash = serializers.BooleanField(read_only=True)
    hidden = serializers.BooleanField(source="is_hidden", read_only=True)
    etag = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Note
        fields = (
            *("id", "paper", "author", "body", "body_html", "tags", "visibility"),
            *("revision", "edit_message", "created", "modified", "in_trash", "hidden"),
            *("comment_count", "vote_count", "view_count", "etag", "html_url", "version"),
        )
        read_only_fields = fields

    def get_etag(self, note: Note) -> str:
        return note_etag(note)

    def get_html_url(self, note: Note) -> str:
        return _html_url(note.pk)

    def to_representation(self, note: Note | dict[str, Any]) -> dict[str, Any]:
        """What the fields above make of ``note`` (a note, or its row of ``NOTE_VALUES``),
        written out: a list of fifty notes through the fields' generic machinery (an
        attribute lookup and a conversion per field, two nested serializers per note) cost
        more than reading the notes, and reading them as models (a note, its paper and its
        author each) cost as much again. ``tests/api/test_reads.py`` keeps both equal to the
        generic result."""
        row = note if isinstance(note, dict) else _row_of(note)
        pk, version = row["id"], row.get("version", 0)
        return {
            "id": pk,
            "paper": {
                "id": row["paper_id"],
                "title": row["paper__title"],
                "year": row["paper__year"],
            },
            "author": {
                "username": row["author__username"],
                "name": row["author__display_name"] or row["author__username"],  # User.name
            },
            "body": row["body"],
            "body_html": row["body_html"],
            "tags": [str(tag) for tag in row["tag_names"]],
            "visibility": row["visibility"],
            "revision": row["revision"],
            "edit_message": row["edit_message"],
            "created": _DATETIME.to_representation(row["created"]),
            "modified": _DATETIME.to_representation(row["modified"]),
            "in_trash": row["deleted_at"] is not None,
            "hidden": row["hidden_at"] is not None,
            "comment_count": row["comment_count"],
            "vote_count": row["vote_count"],
            "view_count": row["view_count"],
            "etag": _etag(pk, row["revision"]),
            "html_url": _html_url(pk),
            "version": None if version is None else int(version),
        }


# A note as the API shows it, as one row (``QuerySet.values``): a list reads its notes so.
NOTE_VALUES = (
    *("id", "paper_id", "paper__title", "paper__year", "author__username"),
    *("author__display_name", "body", "body_html", "tag_names", "visibility", "revision"),
    *("edit_message", "created", "modified", "deleted_at", "hidden_at", "comment_count"),
    *("vote_count", "view_count"),
)


def _row_of(note: Note) -> dict[str, Any]:
    """``note`` (with its paper and author) as its row of ``NOTE_VALUES``, and its version."""
    paper, author = note.paper, note.author
    row = {name: getattr(note, name) for name in NOTE_VALUES if "__" not in name}
    row.update(
        paper__title=paper.title,
        paper__year=paper.year,
        author__username=author.username,
        author__display_name=author.display_name,
        version=getattr(note, "version", 0),
    )
    return row


# How the API writes a date and time (ISO 8601 in the active time zone, UTC as "Z").
_DATETIME = serializers.DateTimeField()


def note_etag(note: Note) -> str:
    """The note's entity tag: its number and revision, which every save changes."""
    return _etag(note.pk, note.revision)


def _etag(pk: int, revision: int) -> str:
    return f'"{pk}-{revision}"'


def _html_url(pk: int) -> str:
    # As ``note.get_absolute_url()``, without a ``reverse`` for each note of a list.
    return absolute(number_url("notes:note", pk, get_script_prefix()))


def _clean_tags(tags: list[str]) -> list[str]:
    try:
        return services.note_tags(" ".join(tags))
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


def _clean_body(body: str, limit: int) -> str:
    if "\x00" in body:
        raise serializers.ValidationError(_("The text cannot contain NUL characters."))
    if len(body.encode()) > limit:
        raise serializers.ValidationError(
            _("The text is larger than %(kb)s KB.") % {"kb": limit // 1024}
        )
    return body


class NoteWriteSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    edit_message = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def validate_body(self, value: str) -> str:
        return _clean_body(value, MAX_BODY_BYTES)

    def validate_tags(self, value: list[str]) -> list[str]:
        return _clean_tags(value)

    def validate_edit_message(self, value: str) -> str:
        return _clean_body(value, 300)


class NoteCreateSerializer(NoteWriteSerializer):
    paper = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class NoteUpdateSerializer(NoteWriteSerializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    base_revision = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class RevisionSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    created = serializers.DateTimeField(source="history_date")
    author = serializers.SerializerMethodField()
    edit_message = serializers.CharField()
    tags = serializers.ListField(source="tag_names", child=serializers.CharField())
    visibility = serializers.CharField()
    body_size = serializers.IntegerField()

    def get_author(self, record: Any) -> dict[str, str] | None:
        user = record.history_user
        return None if user is None else {"username": user.username, "name": user.name}


class RevisionDetailSerializer(RevisionSerializer):
    body = serializers.CharField()
    body_html = serializers.CharField()


class DiffSerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    html = serializers.CharField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    tags_added = serializers.ListField(child=serializers.CharField())
    tags_removed = serializers.ListField(child=serializers.CharField())


class CommentSerializer(serializers.ModelSerializer):
    author = UserSerializer(read_only=True)
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    hidden = serializers.BooleanField(source="is_hidden", read_only=True)
    version = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Comment
        fields = (
            *("id", "note", "parent", "depth", "author", "body", "body_html"),
            *("created", "edited_at", "deleted", "hidden", "version"),
        )
        read_only_fields = fields

    # A deleted comment keeps its place in the thread, without its text.
    def get_body(self, comment: Comment) -> str:
        return "" if comment.is_deleted else comment.body

    def get_body_html(self, comment: Comment) -> str:
        return "" if comment.is_deleted else comment.body_html


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False)
    parent = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A comment needs some text."))
        return _clean_body(value, MAX_COMMENT_BYTES)


class CommentEditSerializer(CommentWriteSerializer):
    parent = None  # type: ignore[assignment]


class TagCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class VoteSerializer(serializers.Serializer):
    vote = serializers.BooleanField()


class VoteResultSerializer(serializers.Serializer):
    vote = serializers.BooleanField()
    vote_count = serializers.IntegerField()


class RatingSerializer(serializers.Serializer):
    stars = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)


class RatingResultSerializer(serializers.Serializer):
    stars = serializers.IntegerField(allow_null=True)
    rating_count = serializers.IntegerField()
    rating_average = serializers.FloatField(allow_null=True)


class FollowSerializer(serializers.Serializer):
    tag = serializers.CharField(required=False, allow_blank=True, max_length=100)
    user = serializers.CharField(required=False, allow_blank=True, max_length=150)
    paper = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        given = [key for key in ("tag", "user", "paper") if data.get(key)]
        if len(given) != 1:
            raise serializers.ValidationError(_("Give exactly one of tag, user or paper."))
        return data


class FollowOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tag = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    paper = serializers.IntegerField(allow_null=True)
    created = serializers.DateTimeField()


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    excerpt = serializers.CharField()
    note = serializers.SerializerMethodField()
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    created = serializers.DateTimeField()
    read = serializers.BooleanField(source="is_read")

    def get_note(self, notification: Any) -> int | None:
        return notification.note_id if notification.is_readable else None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
    )
