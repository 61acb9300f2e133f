from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from notes import counters
from notes.models import Comment, Flag, Follow, ModerationAction, Note, Notification, Paper
from notes.services import paper_save
from papernotes.numbers import parse_int


class HistoryAdmin(SimpleHistoryAdmin):
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # simple-history filters by the id as typed: "x" or a 30-digit number would end in
        # an error inside the query instead of "no such object".
        if parse_int(object_id, minimum=1) is None:
            raise Http404("No such object.")
        return super().history_view(request, object_id, extra_context)


@admin.register(Paper)
class PaperAdmin(HistoryAdmin):
    list_display = ("title", "year", "doi", "arxiv_id", "pmid", "created")
    search_fields = ("title", "authors", "doi", "arxiv_id", "pmid")

    def save_model(self, request: HttpRequest, obj: Paper, form: Any, change: bool) -> None:
        # As from the site's own form: the paper's notes carry its title and authors for
        # search, sorting and "Read also", and follow.
        paper_save(paper=obj, user=request.user)


@admin.register(Note)
class NoteAdmin(HistoryAdmin):
    list_display = ("id", "paper", "author", "visibility", "revision", "modified", "deleted_at")
    list_select_related = ("paper", "author")
    list_filter = ("visibility",)
    raw_id_fields = ("paper", "author")
    readonly_fields = ("revision",)

    def save_model(self, request: HttpRequest, obj: Note, form: Any, change: bool) -> None:
        # An edit here can change what the note counts for in the public lists.
        before = Note.objects.filter(pk=obj.pk).first() if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            counters.record_change(
                counters.keys_of(before) if before else frozenset(), counters.keys_of(obj)
            )


@admin.register(Comment)
class CommentAdmin(HistoryAdmin):
    list_display = ("id", "note", "author", "created", "edited_at", "deleted_at")
    list_select_related = ("note__paper", "author")
    raw_id_fields = ("note", "author", "parent")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "note", "delivery", "created", "read_at")
    list_filter = ("kind", "delivery")
    raw_id_fields = ("recipient", "actor", "note", "comment")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "tag", "followed_user", "paper", "created")
    raw_id_fields = ("user", "followed_user", "paper")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("id", "flagger", "note", "comment", "reason", "created", "resolved_at")
    list_filter = ("reason",)
    raw_id_fields = ("flagger", "note", "comment")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log is read-only, here as everywhere."""

    list_display = ("created", "actor", "verb", "item_label", "flag_count", "message")
    list_filter = ("verb",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
