"""Follows of a tag, a user or a paper."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from notes.models.papers import Paper


class FollowQuerySet(models.QuerySet["Follow"]):
    def for_page(self, user: settings.AUTH_USER_MODEL) -> FollowQuerySet:
        """What ``user`` follows, with the followed users' names and the papers' titles, in one
        query (not the papers' abstracts and search data nor the accounts' details)."""
        return (
            self.filter(user=user)
            .select_related("followed_user", "paper")
            .only(
                *("id", "user_id", "tag", "followed_user_id", "paper_id", "created"),
                *("followed_user__username", "followed_user__display_name", "paper__title"),
            )
            .order_by("tag", "followed_user__username", "paper__title", "pk")
        )


class Follow(models.Model):
    """``user`` follows exactly one of: a tag (by name), another user, or a paper.

    Writes go through ``notes.services.follows``; new notes from what one follows are listed on the
    Following page and told by ``notes.services.notifications``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Tags are free names (taggit rows come and go with notes), kept normalised lower case.
    tag = models.CharField(max_length=100, blank=True, default="")
    followed_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="followers"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(~Q(tag=""), followed_user__isnull=True, paper__isnull=True)
                    | Q(tag="", followed_user__isnull=False, paper__isnull=True)
                    | Q(tag="", followed_user__isnull=True, paper__isnull=False)
                ),
                name="notes_follow_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=~Q(followed_user=F("user")), name="notes_follow_not_oneself"
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=~Q(tag=""), name="notes_follow_tag_once"
            ),
            models.UniqueConstraint(
                fields=["user", "followed_user"],
                condition=Q(followed_user__isnull=False),
                name="notes_follow_user_once",
            ),
            models.UniqueConstraint(
                fields=["user", "paper"],
                condition=Q(paper__isnull=False),
                name="notes_follow_paper_once",
            ),
        ]
        indexes = [
            # Who follows a tag, when a note with it is published.
            models.Index(fields=["tag"], condition=~Q(tag=""), name="notes_follow_tag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.label}"

    def get_absolute_url(self) -> str:
        if self.tag:
            return reverse("notes:tag", args=[self.tag])
        if self.followed_user_id:
            return reverse("notes:profile", args=[self.followed_user.username])
        return reverse("notes:paper", args=[self.paper_id])

    @property
    def label(self) -> str:
        if self.tag:
            return f"#{self.tag}"
        if self.followed_user_id:
            return self.followed_user.name
        return self.paper.title


# -------------------------------------------------------------------------- moderation
