"""Forms for signing up, logging in, choosing passwords and editing a profile.

Usernames and e-mail addresses are unique ignoring case. The forms check that with the
same ``lower()`` the database constraints use, so the two always agree; the constraints
remain the backstop for two requests racing for one value, which ``save_or_add_errors``
(profile edits) and ``accounts.signups.confirm`` (sign-ups) turn into a clear answer.
Sign-up checks the username only: whether an e-mail address has an account is told to
its owner alone, by e-mail.
"""

from __future__ import annotations

from confusable_homoglyphs import categories, confusables
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User, is_taken, users_named

USERNAME_TAKEN = _("This username is already taken (usernames ignore case). Please choose another.")
EMAIL_TAKEN = _("An account with this e-mail address already exists (addresses ignore case).")
USERNAME_NEEDS_ALNUM = _("Use at least one letter or digit.")
USERNAME_CONFUSABLE = _(
    "This username mixes alphabets with letters that look alike (such as a Cyrillic “а” "
    "among Latin letters), so it could pass for someone else's. Use the letters of one "
    "alphabet."
)
MAX_LENGTH_MESSAGE = _("Keep this to %(limit_value)d characters or fewer (it has %(show_value)d).")

# The fields unique ignoring case, and what to say when a value is taken.
TAKEN_MESSAGES = {"username": USERNAME_TAKEN, "email": EMAIL_TAKEN}


def save_or_add_errors(form: forms.ModelForm) -> User | None:
    """Save a valid user form; None, with field errors, if a parallel request took a value."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        taken = [
            field
            for field, value in form.cleaned_data.items()
            if field in TAKEN_MESSAGES
            and value
            and is_taken(field, value, exclude_pk=form.instance.pk)
        ]
        if not taken:
            raise
        for field in taken:
            form.add_error(field, TAKEN_MESSAGES[field])
        return None


def is_mixed_script_confusable(username: str) -> bool:
    """Whether ``username`` mixes scripts and one script's letter looks like another's.

    "аlice" with a Cyrillic "а" would pass for "alice" on every page that shows names.
    Unicode TR 39 calls this a mixed-script confusable; the table of look-alike characters
    comes from Unicode's confusables data (the confusable-homoglyphs package). Names in one
    script ("Ελένη") or in scripts that nobody confuses ("田中.さん") are fine; punctuation
    and digits, common to every script, are left out of the comparison.
    """
    letters = "".join(char for char in username if categories.alias(char) != "COMMON")
    scripts = categories.unique_aliases(letters)
    if len(scripts) < 2:
        return False
    return any(confusables.is_confusable(letters, preferred_aliases=[s]) for s in scripts)


def password_help_text() -> str:
    # Django's own help text is an HTML list; a sentence fits the field's help paragraph.
    return " ".join(password_validation.password_validators_help_texts())


class SignupForm(auth_forms.UserCreationForm):
    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        help_texts = {
            "email": _(
                "We send a link to confirm it. Used for password reset links and the "
                "notifications you choose; never shown to others."
            )
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["password1"].help_text = password_help_text()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if not any(char.isalnum() for char in username):
            # Names such as "." or "--" make unreadable, and sometimes unreachable, profile URLs.
            raise ValidationError(USERNAME_NEEDS_ALNUM, code="invalid")
        if is_mixed_script_confusable(username):
            raise ValidationError(USERNAME_CONFUSABLE, code="invalid")
        if is_taken("username", username):
            raise ValidationError(USERNAME_TAKEN, code="unique")
        return username

    def _get_validation_exclusions(self) -> set[str]:
        # Without this, the model's constraint would answer "a user with this e-mail
        # already exists". Whether an address has an account is told only to its owner,
        # by e-mail; the account is made, and the constraint checked, at confirmation
        # (accounts.signups). Usernames are public and checked by clean_username.
        return super()._get_validation_exclusions() | {"email"}


class LoginForm(forms.Form):
    username = auth_forms.UsernameField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        """The username as stored, so that "Alice" logs in as alice."""
        typed = self.cleaned_data["username"]
        stored = users_named(typed).values_list("username", flat=True).first()
        return stored or typed


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help_text()


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_help_text()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "affiliation", "bio", "email")
        labels = {"bio": _("About you")}
        help_texts = {
            "display_name": _(
                "The name shown beside your notes; up to 100 characters. "
                "Leave it empty to show your username."
            ),
            "affiliation": _("Your institution or group; up to 200 characters."),
            "bio": _("A few lines about your research; up to 5000 characters. Plain text."),
            "email": _(
                "For password reset links only; never shown to others. A new address "
                "is used once you follow the link we send to it."
            ),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            field: {"max_length": MAX_LENGTH_MESSAGE}
            for field in ("display_name", "affiliation", "bio", "email")
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Without an address a forgotten password could never be reset.
        self.fields["email"].required = True

    def _get_validation_exclusions(self) -> set[str]:
        # As at sign-up: a new address is checked, and used, when the link sent to it is
        # followed (accounts.addresses); whether another account has it is told only to
        # that account's owner.
        return super()._get_validation_exclusions() | {"email"}
