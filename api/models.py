"""Personal access tokens for the public API.

A token is shown to its owner once, when it is made; only its SHA-256 digest is stored
(a token is 32 random bytes, so a plain digest is as good as a slow hash here and lets
each request find its token by an index). The first characters are kept in clear so
that the owner can tell their tokens apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "-created"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SyncVersion(models.Model):
    """The site-wide version: one row, advanced once by every committing transaction that
    changed a note, paper, comment, tag set or vote (``api.sync``)."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class Change(models.Model):
    """The version at which an object last changed; written by the database triggers of
    migration 0002 at commit, never by the application."""

    kind = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    version = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="api_change_once"),
        ]
        indexes = [models.Index(fields=["kind", "version"], name="api_change_version_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} at {self.version}"
