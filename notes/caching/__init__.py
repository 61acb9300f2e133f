"""What is kept in the cache, and how it knows it is stale.

``generations`` (the public generation a trigger raises on every public change),
``fragments`` (rendered entries and rows of lists, keyed by what they show),
``public_counts`` (stored counts of public notes by tag, user and paper) and ``diffs``
(comparisons of two revisions, which never go stale). This package imports no view and
no service; ``generations`` imports nothing of the app, as the models use it.
"""
