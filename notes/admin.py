from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin
from taggit.models import Tag

from notes.forms import NoteForm, TagNameField
from notes.markup.rendering import note_id_prefix
from notes.models import Comment, Flag, Follow, ModerationAction, Note, Notification, Paper
from notes.services import (
    EditConflict,
    TooComplexToRender,
    note_save,
    paper_save,
    render_note_body,
    tags_rename,
)
from papernotes.numbers import parse_int


class HistoryAdmin(SimpleHistoryAdmin):
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # simple-history filters by the id as typed: "x" or a 30-digit number would end in
        # an error inside the query instead of "no such object".
        if parse_int(object_id, minimum=1) is None:
            raise Http404(_("No such object."))
        return super().history_view(request, object_id, extra_context)


@admin.register(Paper)
class PaperAdmin(HistoryAdmin):
    list_display = ("title", "year", "doi", "arxiv_id", "pmid", "created")
    search_fields = ("title", "authors", "doi", "arxiv_id", "pmid")

    def save_model(self, request: HttpRequest, obj: Paper, form: Any, change: bool) -> None:
        # As from the site's own form: the paper's notes carry its title and authors for
        # search, sorting and "Read also", and follow.
        paper_save(paper=obj, user=request.user)


class NoteAdminForm(forms.ModelForm):
    """A note's text, tags and visibility, checked as the site's own form checks them.

    Saved through ``notes.services.note_save`` (see ``NoteAdmin.save_model``), so that an
    edit here is a revision like any other: rendered, searchable, counted, in the history.
    """

    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text=_("Separated by spaces or commas."),
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Note
        fields = ("body", "tags", "visibility", "edit_message")

    clean_body = NoteForm.clean_body
    clean_tags = NoteForm.clean_tags
    content = NoteForm.content

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.instance
        self.fields["body"].strip = False
        self.initial.update(
            tags=" ".join(note.tag_names), edit_message="", base_revision=note.revision
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        note = self.instance
        head = Note.objects.filter(pk=note.pk).values_list("revision", flat=True).first()
        if data.get("base_revision") is not None and head != data["base_revision"]:
            raise ValidationError(
                _(
                    "This note was saved (revision %(head)s) since this page was opened; your "
                    "text is below: copy it, reload the page, and apply your change again."
                )
                % {"head": head}
            )
        if "body" in data:
            try:
                render_note_body(
                    author=note.author, body=data["body"], id_prefix=note_id_prefix(note.pk)
                )
            except TooComplexToRender as exc:
                self.add_error("body", exc.message)
        return data


@admin.register(Note)
class NoteAdmin(HistoryAdmin):
    """Notes are written on the site; here staff see them and may edit one, which writes
    a new revision attributed to the staff member (the one write path of a note)."""

    form = NoteAdminForm
    list_display = ("id", "paper", "author", "visibility", "revision", "modified", "deleted_at")
    list_select_related = ("paper", "author")
    list_filter = ("visibility",)
    readonly_fields = ("paper", "author", "revision", "created", "modified", "deleted_at")
    fields = (
        "paper",
        "author",
        "revision",
        "body",
        "tags",
        "visibility",
        "edit_message",
        "base_revision",
        "created",
        "modified",
        "deleted_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Note | None = None) -> bool:
        # Deleting a note here would take its text, comments and counts with it, past the
        # trash and the services; its author trashes it, and staff hide it (moderation).
        return False

    def save_model(self, request: HttpRequest, obj: Note, form: Any, change: bool) -> None:
        note = Note.objects.select_related("author", "paper").get(pk=obj.pk)
        try:
            saved = note_save(
                note=note,
                user=request.user,
                content=form.content(),
                base_revision=form.cleaned_data["base_revision"],
            )
        except (EditConflict, TooComplexToRender) as exc:
            # Between the form's checks and the save: rare, and said rather than lost.
            request._note_not_saved = True  # type: ignore[attr-defined]
            what = (
                _("it was saved by someone else meanwhile")
                if isinstance(exc, EditConflict)
                else exc.message
            )
            self.message_user(request, _("Not saved: %(why)s") % {"why": what}, messages.ERROR)
            return
        obj.__dict__.update(
            {f.attname: getattr(saved, f.attname) for f in Note._meta.concrete_fields}
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The tags were written by note_save with the rest of the revision.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def response_change(self, request: HttpRequest, obj: Note) -> HttpResponse:
        if getattr(request, "_note_not_saved", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


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


class TagRenameForm(forms.Form):
    new_name = TagNameField(label=gettext_lazy("New name"))


# taggit's own admin edits and merges its rows directly: the notes' tags would no longer
# say the same, and no revision would record the change.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """The tag vocabulary. A tag changes only by the rename action, through the notes."""

    list_display = ("name", "note_count")
    search_fields = ("name",)
    ordering = ("name",)
    readonly_fields = ("name", "slug")
    actions = ("rename_tags",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(notes=Count("notes_taggednote_items"))

    @admin.display(description=gettext_lazy("notes"), ordering="notes")
    def note_count(self, tag: Tag) -> int:
        return tag.notes  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Rename or merge the selected tags"), permissions=["change"]
    )
    def rename_tags(self, request: HttpRequest, queryset: QuerySet[Tag]) -> HttpResponse | None:
        form = TagRenameForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            names = sorted(queryset.values_list("name", flat=True))
            to = form.cleaned_data["new_name"]
            done = tags_rename(names=names, to=to, user=request.user)
            self.message_user(
                request,
                ngettext(
                    "%(names)s → %(to)s: %(count)d note revised.",
                    "%(names)s → %(to)s: %(count)d notes revised.",
                    done.notes,
                )
                % {"names": ", ".join(names), "to": to, "count": done.notes},
                messages.SUCCESS,
            )
            if done.not_rendered:
                left = ", ".join(f"{{{pk}}}" for pk in done.not_rendered)
                self.message_user(
                    request,
                    _(
                        "Left with their old tags, their text being too complex to render "
                        "again: %(notes)s."
                    )
                    % {"notes": left},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Rename or merge tags"),
            "opts": self.model._meta,
            "tags": queryset.order_by("name"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/notes/tag_rename.html", context)
