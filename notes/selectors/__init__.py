"""Reads: what a page lists and finds, always through ``notes.visibility``'s rule.

``browse`` (listings, their pages and counts, tag counts, autocomplete), ``search``
(parsing a query, matching, relevance, snippets, and the search data the services keep),
``related`` (papers to read also), ``revbar`` (the revision bar), ``threads`` (a note's
comments as a thread), ``inbox`` (a reader's notifications), ``moderation`` (the staff's
queue and log) and ``follows`` (what a reader follows, who follows a note).
"""
