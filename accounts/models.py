from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class User(AbstractUser):
    """A PaperNotes user. Usernames and e-mail addresses are unique ignoring case."""

    display_name = models.CharField(
        max_length=100, blank=True, help_text="The name shown beside your notes."
    )
    affiliation = models.CharField(max_length=200, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    # How each kind of notification reaches the user: {kind: delivery}; a kind missing
    # here uses the default in notes.notifications.
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
        return reverse("profile", args=[self.username])
