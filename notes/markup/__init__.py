"""From a note's text to safe HTML, with no Django in it.

Markdown with bounded cost (``bounded_markdown``), TeX to MathML (``mathml``, Temml in an
embedded V8), the rendering pipeline (``rendering``) and its final pass over the allowlists
(``html_rules``), paper identifiers (``identifiers``), word diffs (``diffing``) and the
child process that bounds a render's time and memory (``render_worker``). Nothing here
imports Django or the database; callers hand in what it needs (the site's macros, which
notes may be linked), so the render child starts fast and these modules test on their own.
"""
