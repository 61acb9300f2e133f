from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from notes.models import Comment, Note, Notification, Paper


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


@admin.register(Comment)
class CommentAdmin(SimpleHistoryAdmin):
    list_display = ("id", "note", "author", "created", "edited_at", "deleted_at")
    list_select_related = ("note__paper", "author")
    raw_id_fields = ("note", "author", "parent")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "note", "delivery", "created", "read_at")
    list_filter = ("kind", "delivery")
    raw_id_fields = ("recipient", "actor", "note", "comment")
