from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notes.models import (
    MAX_BODY_BYTES,
    MAX_COMMENT_BYTES,
    Delivery,
    FlagReason,
    ModerationVerb,
    Note,
    NotificationKind,
    Paper,
    Visibility,
)
from notes.selectors.browse import Listing
from notes.services import NoteContent, normalized_identifier
from notes.tag_rules import (
    MAX_TAG_LENGTH,
    MAX_TAGS_IN_FILTER,
    checked_tags,
    parse_tags,
    tag_errors,
)
from papernotes.numbers import MAX_REVISION, NumberField


def url_tags(request: HttpRequest, *extra: str) -> list[str]:
    """The tags a list is filtered by: ``extra`` (from the path), then each ``?tag=``."""
    tags = [tag for value in extra for tag in parse_tags(value)]
    for value in request.GET.getlist("tag"):
        tags.extend(parse_tags(value))
    return list(dict.fromkeys(t for t in tags if t))[:MAX_TAGS_IN_FILTER]


class TagNameField(forms.CharField):
    """One tag name, normalised as tags are (lower case, no leading ``#``)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_length=MAX_TAG_LENGTH + 1, **kwargs)

    def clean(self, value: str) -> str:
        tags = parse_tags(super().clean(value))
        if len(tags) != 1:
            raise ValidationError(_("Give one tag name."))
        if errors := tag_errors(tags):
            raise ValidationError(errors)
        return tags[0]


class PaperForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), required=False, max_length=1000, assume_scheme="https")
    # Identifiers may be pasted as links, longer than their stored form.
    doi = forms.CharField(
        label=_("DOI"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "10.1000/xyz123"}),
        help_text=_("A DOI or its https://doi.org/ link."),
    )
    arxiv_id = forms.CharField(
        label=_("arXiv id"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "1707.03389"}),
        help_text=_("An arXiv id or its arxiv.org link; the version is dropped."),
    )
    pmid = forms.CharField(
        label=_("PMID"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "31942076"}),
        help_text=_("A PubMed id, e.g. PMID-31942076."),
    )

    class Meta:
        model = Paper
        fields = ["title", "authors", "year", "venue", "abstract", "url", "doi", "arxiv_id", "pmid"]
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 6}),
            "authors": forms.TextInput(attrs={"placeholder": "Ada Lovelace, Alan Turing"}),
        }
        labels = {
            "title": _("Title"),
            "authors": _("Authors"),
            "year": _("Year"),
            "venue": _("Venue"),
            "abstract": _("Abstract"),
        }
        help_texts = {"authors": _("Comma separated.")}

    def _identifier(self, field: str) -> str | None:
        value = self.cleaned_data.get(field) or ""
        if not value.strip():
            return None
        try:
            return normalized_identifier(field, value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def clean_doi(self) -> str | None:
        return self._identifier("doi")

    def clean_arxiv_id(self) -> str | None:
        return self._identifier("arxiv_id")

    def clean_pmid(self) -> str | None:
        return self._identifier("pmid")

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("A paper needs a title."))
        return title

    def validate_unique(self) -> None:
        # Duplicates by identifier are answered by notes.services (PaperExists): adding
        # opens the existing paper, editing names the identifier that clashes.
        pass


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Summary"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text=_(
            "Markdown with LaTeX math: $x_i$ inline, $$…$$ on its own line. "
            "Write {123} to refer to note 123, PMID-…, arXiv:… or doi:… to link a paper."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by spaces or commas, e.g. bayesian inference mcmc."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    edit_message = forms.CharField(
        label=_("Edit message"),
        required=False,
        max_length=300,
        help_text=_("Optional: what changed in this revision."),
    )
    base_revision = NumberField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_REVISION
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\x00", "")
        size = len(body.encode())
        if size > MAX_BODY_BYTES:
            raise ValidationError(
                _(
                    "Your summary is %(size)d KB; the limit is %(limit)d KB. "
                    "Shorten it or split it into several notes."
                )
                % {"size": size // 1024, "limit": MAX_BODY_BYTES // 1024}
            )
        if not body.strip():
            raise ValidationError(_("Write something: a summary cannot be empty."))
        return body

    def clean_tags(self) -> list[str]:
        return checked_tags(self.cleaned_data["tags"])

    def content(self) -> NoteContent:
        data = self.cleaned_data
        return NoteContent(
            body=data["body"],
            tags=data["tags"],
            visibility=data["visibility"],
            edit_message=" ".join(data["edit_message"].split()),
        )

    @classmethod
    def for_note(cls, note: Note) -> NoteForm:
        return cls(
            initial={
                "body": note.body,
                "tags": " ".join(note.tag_names),
                "visibility": note.visibility,
                "base_revision": note.revision,
            }
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown with LaTeX math, as in notes; @username tells that person."),
    )
    parent = NumberField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: object, prefix_id: str = "", label: str = "", **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if prefix_id:
            # Many forms share one page (a reply form under each comment): unique ids.
            self.auto_id = f"{prefix_id}-%s"
        if label:
            self.fields["body"].label = label

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\x00", "")
        size = len(body.encode())
        if size > MAX_COMMENT_BYTES:
            raise ValidationError(
                _(
                    "Your comment is %(size)s bytes; the limit is %(limit)s "
                    "(about ten thousand characters). Shorten it, or write a note of your own "
                    "and refer to it."
                )
                % {"size": f"{size:,}", "limit": f"{MAX_COMMENT_BYTES:,}"}
            )
        if not body.strip():
            raise ValidationError(_("Write something: a comment cannot be empty."))
        return body


MAX_FLAG_TEXT = 1000


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should moderators look at this?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=MAX_FLAG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for “something else”; optional otherwise."),
    )

    def clean_text(self) -> str:
        return self.cleaned_data["text"].replace("\x00", "").strip()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("reason") == FlagReason.OTHER and not data.get("text"):
            self.add_error("text", _("Say what is wrong: “something else” needs a few words."))
        return data


class ModerationForm(forms.Form):
    """One staff action on one item, sent from the queue."""

    verb = forms.ChoiceField(choices=ModerationVerb.choices)
    kind = forms.ChoiceField(choices=[("note", "note"), ("comment", "comment")])
    item = NumberField(min_value=1)
    message = forms.CharField(label=_("Note for the log"), required=False, max_length=1000)

    def clean_message(self) -> str:
        return self.cleaned_data["message"].replace("\x00", "").strip()


class NotificationSettingsForm(forms.Form):
    """One choice of delivery per kind of notification."""

    def __init__(self, *args: object, initial_from: dict[str, str], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=initial_from[kind.value]
            )

    def deliveries(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in NotificationKind.values}


class ListingForm(forms.Form):
    """The toolbar above every list of notes. Bad values fall back to defaults."""

    q = forms.CharField(label=_("Text"), required=False, max_length=500, strip=True)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=200)
    sort = forms.ChoiceField(
        choices=[
            ("modified", _("date modified")),
            ("created", _("chronology")),
            ("year", _("paper year")),
            ("title", _("title")),
        ],
        required=False,
    )
    order = forms.ChoiceField(
        choices=[("desc", _("descending")), ("asc", _("ascending"))], required=False
    )
    year_from = NumberField(label=_("From year"), required=False, min_value=1000, max_value=2100)
    year_to = NumberField(label=_("To year"), required=False, min_value=1000, max_value=2100)
    user = forms.CharField(label=_("Author"), required=False, max_length=150)

    def listing(self, tags: list[str]) -> Listing:
        """The listing asked for; ``tags`` come from the URL (a path and ``?tag=`` values)."""
        self.is_valid()  # an invalid field falls back to its default; the others still apply
        data = self.cleaned_data
        listing = Listing(
            tags=tuple(dict.fromkeys(tags)),
            users=(data["user"].strip(),) if data.get("user", "").strip() else (),
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            sort=data.get("sort") or "modified",
            descending=(data.get("order") or "desc") == "desc",
        )
        return listing.with_query(data.get("q") or "")
