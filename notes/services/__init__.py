"""Writes: every change that touches more than one row goes through a function here.

- ``notes``: a note's saves, reverts, trash, imports, and the ``{N}`` references;
- ``papers``: adding a paper (identifier clashes and the add-or-find race settled here),
  editing and refreshing its details;
- ``tags``: tags as typed, and the staff's rename/merge;
- ``comments``, ``reactions`` (votes, ratings, views), ``follows``, ``moderation``,
  ``notifications``: the community's writes;
- ``errors``: ``WriteRefused``, a refusal every door shows its writer the same way.

The doors (pages, the API, the admin, the imports) import what they need from here:
``from notes import services`` then ``services.note_save(…)``.
"""

from notes.services.comments import (  # noqa: F401
    comment_delete,
    comment_edit,
    comment_post,
    comment_remove,
)
from notes.services.errors import (  # noqa: F401
    WriteRefused,
)
from notes.services.follows import follow, unfollow  # noqa: F401
from notes.services.notes import (  # noqa: F401
    EditConflict,
    ImportedRevision,
    NoteContent,
    TooComplexToRender,
    note_create,
    note_import,
    note_render_again,
    note_restore,
    note_revert,
    note_save,
    note_trash,
    relink_after_commit,
    relink_references_to,
    render_note_body,
    reserve_id,
    save_state,
    set_comment_references,
)
from notes.services.notifications import mark_read as notifications_mark_read  # noqa: F401
from notes.services.papers import (  # noqa: F401
    IDENTIFIER_FIELDS,
    PAPER_DETAIL_FIELDS,
    PAPER_IDENTIFIER_FIELDS,
    PaperExists,
    normalized_identifier,
    paper_add,
    paper_add_or_find,
    paper_find_or_create,
    paper_refresh,
    paper_save,
    papers_create,
)
from notes.services.reactions import note_vote, paper_rate  # noqa: F401
from notes.services.tags import (  # noqa: F401
    TagsRenamed,
    note_tags,
    tags_rename,
)
