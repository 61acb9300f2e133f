"""What several models share: counts kept on the row, hiding by staff, and the history
rows of a model django-simple-history records."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db import models

MAX_BODY_BYTES = 200 * 1024


class KeepsCounts(models.Model):
    """A model with counts that single UPDATE statements keep (votes, views, ratings).

    Saving an instance read a moment ago must not write its stale counts back over
    increments made meanwhile, so an ordinary ``save()`` of an existing row leaves them
    out. The counts are not part of the model's history either.
    """

    COUNT_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.COUNT_FIELDS
            ]
        super().save(*args, **kwargs)


@cache
def history_model(model: type[models.Model]) -> type[models.Model]:
    """The model of ``model``'s history rows (its ``history`` attribute's), looked up once."""
    return model.history.model  # type: ignore[attr-defined]


class Revised:
    """A model whose saves django-simple-history records, read through ``revisions()``.

    ``instance.history`` makes its manager's class anew on every access (a ``type()`` built
    from the queryset's methods), which costs more than the query it starts; the history
    rows are the same rows read through the history model's own manager.
    """

    pk: Any

    def revisions(self) -> models.QuerySet[Any]:
        """This instance's history rows (every revision, as ``instance.history``)."""
        return history_model(type(self)).objects.filter(id=self.pk)  # type: ignore[attr-defined]


def count_field() -> models.PositiveIntegerField:
    # db_default too, so rows loaded in bulk (COPY, raw INSERT) start at zero as well.
    return models.PositiveIntegerField(default=0, db_default=0, editable=False)


class Hideable(models.Model):
    """Content staff can hide (through ``notes.services.moderation``): it is then shown to its
    author only, marked hidden. A moderation state, not a version of the text, so the
    models exclude these fields from their history."""

    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
