from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A PaperNotes user. Usernames and e-mail addresses are unique ignoring case."""

    display_name = models.CharField(
        _("display name"),
        max_length=100,
        blank=True,
        help_text=_("The name shown beside your notes."),
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    bio = models.TextField(_("bio"), max_length=5000, blank=True)
    # The interface language the user chose with the language switch ("" until they
    # choose): set again at each login, and the language of the e-mails they are sent.
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)
    # How each kind of notification reaches the user: {kind: delivery}; a kind missing
    # here uses the default in notes.services.notifications.
    notification_settings = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("notes:profile", args=[self.username])


class PendingSignup(models.Model):
    """A sign-up waiting for its e-mail address to be confirmed (``accounts.signups``).

    The account is made only when the link in the e-mail is followed, so an address
    nobody confirmed never holds an account, and sign-up never has to say whether an
    address is already in use. Only the password's hash is kept, as on ``User``, and only
    a hash of the link's token.
    """

    username = models.CharField(max_length=150)
    email = models.EmailField()
    password = models.CharField(max_length=128)
    token_hash = models.CharField(max_length=64, unique=True)
    # Where to go once confirmed (a path on this site, checked when the sign-up was sent).
    next_url = models.CharField(max_length=2000, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"pending sign-up of {self.username}"


# Usernames and e-mail addresses are unique ignoring case (the constraints use lower()).
def _matching(field: str, value: str) -> QuerySet[User]:
    return User.objects.alias(folded=Lower(field)).filter(folded=Lower(Value(value)))


def users_named(username: str) -> QuerySet[User]:
    """The user (at most one) whose username is ``username`` ignoring case."""
    return _matching("username", username)


def is_taken(field: str, value: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another user already has ``value`` in ``field``, compared as the constraint does."""
    users = _matching(field, value)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()
