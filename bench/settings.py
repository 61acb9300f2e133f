"""Settings for the benchmark's commands: the site's own, with this app installed.

    DJANGO_SETTINGS_MODULE=bench.settings python manage.py seed_bench …

The site's settings (``papernotes.settings``) never list ``bench``: serving the site does
not need it, and the server that ``bench`` measures runs with the site's settings exactly
as they are deployed.
"""

from papernotes import settings as _site

globals().update((name, value) for name, value in vars(_site).items() if name.isupper())

INSTALLED_APPS = [*_site.INSTALLED_APPS, "bench"]
