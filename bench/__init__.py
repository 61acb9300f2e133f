"""The benchmark: a generated data set and a load test of the site (``make bench``).

A development tool, not part of the site: nothing outside this package imports it, and
the site's settings do not install it. Its commands run with ``bench.settings``.
"""
