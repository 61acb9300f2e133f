from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from notes import counters
from notes.browse import forget_tag_counts
from notes.models import Note, Paper


@admin.register(Paper)
class PaperAdmin(SimpleHistoryAdmin):
    list_display = ("title", "year", "doi", "arxiv_id", "pmid", "created")
    search_fields = ("title", "authors", "doi", "arxiv_id", "pmid")


@admin.register(Note)
class NoteAdmin(SimpleHistoryAdmin):
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
            forget_tag_counts()
