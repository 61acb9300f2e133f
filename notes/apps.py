from django.apps import AppConfig
from django.db.models.signals import post_delete


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Notes"

    def ready(self) -> None:
        from notes.caching import public_counts
        from notes.models import Note

        # Notes are deleted only with their author (a cascade, in the admin), which no
        # service sees; the stored counts must still follow, or paging would go wrong.
        post_delete.connect(public_counts.forget_deleted, sender=Note, dispatch_uid="notes.counts")
