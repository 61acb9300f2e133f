"""The ``notes`` app's models, one module per concern, all importable from here.

- ``papers``: papers and their identifiers;
- ``notes``: notes (summaries), tags, and the fields lists read;
- ``discussion``: comments;
- ``notifications``: notifications, deliveries, mutes;
- ``reactions``: votes, star ratings, daily views;
- ``follows``: follows of tags, users and papers;
- ``moderation``: flags and staff actions;
- ``imports``: files being imported by a job;
- ``derived``: what the services keep in step (public counts, the public generation,
  ``{N}`` references);
- ``base``: counts kept on the row, and hiding by staff.

A note's Markdown is rendered once, at save, by ``notes.markup.rendering``; the HTML and
plain text are stored beside the source. Every save is a revision recorded by
django-simple-history. Writes go through ``notes.services``.
"""

from notes.models.base import (  # noqa: F401
    MAX_BODY_BYTES,
    Hideable,
    KeepsCounts,
    count_field,
)
from notes.models.derived import (  # noqa: F401
    CommentReference,
    Generation,
    NoteReference,
    PublicCount,
    PublicCountDelta,
    PublicTagged,
)
from notes.models.discussion import (  # noqa: F401
    MAX_COMMENT_BYTES,
    THREAD_FIELDS,
    Comment,
    CommentQuerySet,
)
from notes.models.follows import (  # noqa: F401
    Follow,
    FollowQuerySet,
)
from notes.models.imports import (  # noqa: F401
    Import,
    ImportKind,
    ImportState,
)
from notes.models.moderation import (  # noqa: F401
    Flag,
    FlagQuerySet,
    FlagReason,
    ModerationAction,
    ModerationVerb,
)
from notes.models.notes import (  # noqa: F401
    CARD_EXCERPT_CHARS,
    CARD_FIELDS,
    ENTRY_FIELDS,
    PAGE_FIELDS,
    PUBLIC_SORT_INDEXES,
    VOTED_SQL,
    Note,
    NoteQuerySet,
    TaggedNote,
    TextStart,
    Visibility,
)
from notes.models.notifications import (  # noqa: F401
    NEUTRAL_NOTE,
    Delivery,
    Mute,
    Notification,
    NotificationKind,
    NotificationQuerySet,
)
from notes.models.papers import (  # noqa: F401
    Paper,
    PaperQuerySet,
)
from notes.models.reactions import (  # noqa: F401
    MAX_STARS,
    MIN_STARS,
    DailyView,
    NoteView,
    NoteVote,
    PaperRating,
    PaperView,
)
