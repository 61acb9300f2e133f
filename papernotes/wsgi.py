import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from papernotes.memory import keep_freed_memory, settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "papernotes.settings")
application = get_wsgi_application()
keep_freed_memory()
settle(list(settings.TEMPLATES[0]["DIRS"]))
