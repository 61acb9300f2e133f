"""PaperNotes settings: one file, every value from the environment.

Development needs no variables at all: DEBUG is on, a development secret key is used
and the embedded PostgreSQL server starts under ``var/``. Production sets DEBUG=0,
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; the secure settings follow from DEBUG.
"""

from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from papernotes import embedded_db, error_reporting
from papernotes.env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_origins,
    env_rate,
    env_redis_url,
    env_secret_key,
    env_str,
)
from papernotes.headers import inline_style_source
from papernotes.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret_key(
    "SECRET_KEY", debug=DEBUG, dev_default="django-insecure-development-key-never-use-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "PaperNotes")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "csp",
    "django_htmx",
    "taggit",
    "simple_history",
    # The job queue (papernotes.jobs): its tables are migrated with the site's.
    "procrastinate.contrib.django",
    "accounts",
    "notes",
    # The public API (/api/v1/): Django REST framework, its schema from drf-spectacular,
    # Swagger UI served from our own static files (the sidecar).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    # Operations: serve (make run), backup, restore, migrate under a lock.
    "papernotes",
]

MIDDLEWARE = [
    # First: its request id, duration and SQL count cover everything after it.
    "papernotes.logs.request_log",
    "papernotes.metrics.request_metrics",
    # Before anything reads: a request that may write, or follows a write, reads the primary.
    "papernotes.replicas.read_your_writes",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry these headers too.
    "papernotes.headers.security_headers",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Database and cache failures raised by a view answer 503, logged once per interval.
    "papernotes.outages.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before anything that renders: the reader's language (cookie,
    # then Accept-Language), English when neither names one of LANGUAGES.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "papernotes.urls"
WSGI_APPLICATION = "papernotes.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "papernotes.context_processors.site",
                "papernotes.context_processors.notifications",
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded server under var/ -------------------------
_database = env_database("DATABASE_URL")
# The embedded server's data directory, when it is the database (make run watches it).
EMBEDDED_PGDATA = None if _database else VAR_DIR / "pgdata"
if _database is None:
    _database = embedded_db.database_settings(VAR_DIR / "pgdata")
_database.setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME") or None
# Each process keeps its connection between requests: a new PostgreSQL backend per request
# costs a fork and a cold catalog cache, paid again by every page that reads several tables.
_database["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
_database["CONN_HEALTH_CHECKS"] = True
# Parameters bound by the server, and the queries a process repeats prepared (from their
# fifth run: Django's default is never), so PostgreSQL parses them once per connection and
# can keep a plan for those whose plan does not depend on their parameters.
_server_side_binding = env_bool("DB_SERVER_SIDE_BINDING", True)
_database.setdefault("OPTIONS", {})["server_side_binding"] = _server_side_binding
if _server_side_binding:
    _database["OPTIONS"]["prepare_threshold"] = env_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
# No request waits for ever: a statement that runs longer than DB_STATEMENT_TIMEOUT_MS, or
# waits longer than DB_LOCK_TIMEOUT_MS for a row someone else holds, is cancelled and the
# request answers 503 (papernotes.outages). Set per connection at connect time (0: none).
# manage.py lifts both for management commands other than runserver (migrations and bulk
# loads rightly run longer than any page should).
_timeouts = {
    "statement_timeout": env_int("DB_STATEMENT_TIMEOUT_MS", 10_000, minimum=0),
    "lock_timeout": env_int("DB_LOCK_TIMEOUT_MS", 3_000, minimum=0),
}
_startup = " ".join(f"-c {name}={ms}" for name, ms in _timeouts.items() if ms)
if _startup:
    _options = _database["OPTIONS"]
    _options["options"] = f"{_options['options']} {_startup}" if "options" in _options else _startup
# A database host that does not answer fails the request after this long instead of the
# operating system's minutes.
_database["OPTIONS"].setdefault(
    "connect_timeout", env_int("DB_CONNECT_TIMEOUT_SECONDS", 5, minimum=1)
)
DATABASES = {"default": _database}
# A streaming replica for reads (papernotes.replicas): same options, its own server. A
# browser that wrote reads from the primary for REPLICA_STICKY_SECONDS afterwards.
_replica = env_database("DATABASE_REPLICA_URL")
if _replica is not None:
    DATABASES["replica"] = {
        **_replica,
        "OPTIONS": {**_database["OPTIONS"], **_replica.get("OPTIONS", {})},
        "CONN_MAX_AGE": _database["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["papernotes.replicas.ReplicaRouter"]
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 5, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set (needed with more than one process) ------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    # Degrades when Redis is unreachable: pages render without it, counters (login
    # throttling, rate limits) fail closed (papernotes.cache).
    CACHES = {
        "default": {
            "BACKEND": "papernotes.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Room for the cached pieces of pages (notes.caching.fragments: a list page alone keeps 20
    # entries) instead of Django's 300, past which a third of them would be dropped.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 5000, minimum=1)},
        }
    }

# --- Jobs: procrastinate, in the site's own database (papernotes.jobs) ------------------
PROCRASTINATE_IMPORT_PATHS = ["papernotes.jobs"]
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
# A worker writes a heartbeat every 10 s; the jobs of one silent for this long (killed,
# its host lost) are queued again by the retry_stalled_jobs job.
JOB_STALLED_SECONDS = env_int("JOB_STALLED_SECONDS", 60, minimum=15)
# A starting worker forgets the workers silent as long (their jobs are then queued again).
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": 10,
    "stalled_worker_timeout": JOB_STALLED_SECONDS,
}

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend with a faster read of a session's account (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins (accounts/throttle.py): after LOGIN_FAILURE_LIMIT failures within
# LOGIN_LOCKOUT_SECONDS for one username from one client address, or
# LOGIN_ADDRESS_FAILURE_LIMIT from one address whatever the usernames, further attempts
# from there wait until the window ends.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 300, minimum=1)
# Sign-ups and password reset e-mails: at most so many per client address and per e-mail
# address within the window.
SIGNUP_RATE_LIMIT = env_int("SIGNUP_RATE_LIMIT", 5, minimum=1)
SIGNUP_RATE_WINDOW_SECONDS = env_int("SIGNUP_RATE_WINDOW_SECONDS", 3600, minimum=1)
PASSWORD_RESET_RATE_LIMIT = env_int("PASSWORD_RESET_RATE_LIMIT", 5, minimum=1)
PASSWORD_RESET_RATE_WINDOW_SECONDS = env_int("PASSWORD_RESET_RATE_WINDOW_SECONDS", 3600, minimum=1)
# Trust X-Forwarded-For for the client address only behind a proxy that sets it.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# --- Comments and notifications -------------------------------------------------------
# Each user may post COMMENT_RATE_LIMIT comments within COMMENT_RATE_WINDOW_SECONDS.
COMMENT_RATE_LIMIT = env_int("COMMENT_RATE_LIMIT", 10, minimum=1)
COMMENT_RATE_WINDOW_SECONDS = env_int("COMMENT_RATE_WINDOW_SECONDS", 60, minimum=1)
# Each user may ask for PREVIEW_RATE_LIMIT previews within PREVIEW_RATE_WINDOW_SECONDS.
PREVIEW_RATE_LIMIT = env_int("PREVIEW_RATE_LIMIT", 30, minimum=1)
PREVIEW_RATE_WINDOW_SECONDS = env_int("PREVIEW_RATE_WINDOW_SECONDS", 60, minimum=1)
# Rendering (notes.markup.render_worker): the CPU seconds one render may use before the render
# child is killed and the author told the text is too complex, and a wall-clock cap as a
# safety net for a machine too busy to give the child its CPU. An ordinary note of the
# largest size with raw HTML takes 0.8 s on a quick machine and 1.9 s on a slow one (two
# shared cores), where 2 s refused it; the budget keeps twice that as room.
RENDER_CPU_SECONDS = env_float("RENDER_CPU_SECONDS", 4.0, minimum=0.1)
RENDER_WALL_SECONDS = env_float("RENDER_WALL_SECONDS", 20.0, minimum=1.0)
# TeX macros every formula may use, for notations common in papers (notes.markup.mathml). A note may
# define its own (\newcommand, \def), also over these. Changing them changes what stored
# notes show only once they are rendered again (manage.py rerender).
SITE_MACROS: dict[str, str] = {
    "\\R": "\\mathbb{R}",
    "\\N": "\\mathbb{N}",
    "\\Z": "\\mathbb{Z}",
    "\\Q": "\\mathbb{Q}",
    "\\C": "\\mathbb{C}",
    "\\E": "\\mathbb{E}",
    "\\Var": "\\operatorname{Var}",
    "\\Cov": "\\operatorname{Cov}",
    "\\KL": "\\operatorname{KL}",
    "\\argmin": "\\operatorname*{arg\\,min}",
    "\\argmax": "\\operatorname*{arg\\,max}",
    "\\1": "\\mathbb{1}",
    "\\norm": "\\left\\lVert #1 \\right\\rVert",
    "\\abs": "\\left\\lvert #1 \\right\\rvert",
    "\\set": "\\left\\{ #1 \\right\\}",
}
# The address e-mails link to (notifications and digests are sent outside a request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Papers in, notes out (notes.lookup, notes.exchange) ------------------------------
# Metadata lookups by identifier: the sources' public APIs, asked with a User-Agent that
# names the site and LOOKUP_CONTACT_EMAIL (Crossref and NCBI ask for one), within
# LOOKUP_TIMEOUT_SECONDS; answers are cached for LOOKUP_CACHE_SECONDS, and each user may
# look up LOOKUP_RATE_LIMIT identifiers within LOOKUP_RATE_WINDOW_SECONDS.
LOOKUP_CONTACT_EMAIL = env_str("LOOKUP_CONTACT_EMAIL", "admin@localhost")
LOOKUP_TIMEOUT_SECONDS = env_float("LOOKUP_TIMEOUT_SECONDS", 5.0, minimum=0.1)
LOOKUP_CACHE_SECONDS = env_int("LOOKUP_CACHE_SECONDS", 86400, minimum=0)
LOOKUP_RATE_LIMIT = env_int("LOOKUP_RATE_LIMIT", 20, minimum=1)
LOOKUP_RATE_WINDOW_SECONDS = env_int("LOOKUP_RATE_WINDOW_SECONDS", 60, minimum=1)
LOOKUP_ARXIV_URL = env_str("LOOKUP_ARXIV_URL", "https://export.arxiv.org/api/query")
LOOKUP_CROSSREF_URL = env_str("LOOKUP_CROSSREF_URL", "https://api.crossref.org/works/")
LOOKUP_DATACITE_URL = env_str("LOOKUP_DATACITE_URL", "https://api.datacite.org/dois/")
LOOKUP_EUTILS_URL = env_str("LOOKUP_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
# Uploads of BibTeX files and notes archives: at most IMPORT_MAX_BYTES each; an archive
# unpacks to at most IMPORT_MAX_UNPACKED_BYTES, no member compressed more than
# IMPORT_MAX_RATIO times; a .bib file holds at most IMPORT_MAX_ENTRIES entries.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1024)
IMPORT_MAX_RATIO = env_int("IMPORT_MAX_RATIO", 100, minimum=2)
IMPORT_MAX_ENTRIES = env_int("IMPORT_MAX_ENTRIES", 20000, minimum=1)
# An import job works at most this many seconds, then queues its own continuation, so that
# one large import does not keep a worker from other users' jobs for minutes.
IMPORT_JOB_SECONDS = env_int("IMPORT_JOB_SECONDS", 60, minimum=0)
# Uploads larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail: console by default, SMTP when EMAIL_HOST is set ----------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PaperNotes <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------
# The interface in English and Arabic (locale/ar/LC_MESSAGES/django.po; compiled .mo files
# are committed, so nothing needs gettext to run). English is the default and the fallback.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats beside Django's (papernotes/formats/<language>/formats.py): the
# lists keep English's ISO dates, Arabic gets its month names.
FORMAT_MODULE_PATH = ["papernotes.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security: on whenever DEBUG is off -------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
# Django's database sessions, read with one constant statement (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), the second line of defence behind the sanitiser: only
# our own scripts, style sheets and images run or load, nothing inline, no eval, no plugins,
# no <base>, forms post only to us, and no other site may frame a page. The one inline style
# allowed is the standalone error pages' (templates/_error_page.css), by its hash. Images:
# ours and data: URLs; images from other hosts are not shown (see README). With DEBUG on,
# django-csp leaves Django's technical 404 and 500 pages alone: they style themselves inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, inline_style_source(BASE_DIR / "templates" / "_error_page.css")],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses, off for every page and for anything a page could embed.
# Feature name to the origins allowed it; () is nobody.
PERMISSIONS_POLICY: dict[str, tuple[str, ...]] = dict.fromkeys(
    (
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid",
        "magnetometer", "microphone", "midi", "payment", "serial", "usb",
    ),
    (),
)  # fmt: skip
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"

# --- The public API (api/) ----------------------------------------------------------------
# Requests per client within each period: by token, by logged-in user (session), and by
# address for anonymous readers. DRF's rate form: "<count>/<second|minute|hour|day>".
API_RATE_TOKEN = env_rate("API_RATE_TOKEN", "1200/hour")
API_RATE_USER = env_rate("API_RATE_USER", "1200/hour")
API_RATE_ANONYMOUS = env_rate("API_RATE_ANONYMOUS", "300/hour")
# The largest request body the API reads; larger ones answer 413.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 512 * 1024, minimum=1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        # The site's own JavaScript: the session, with CSRF on every unsafe method.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.UserRateThrottle",
        "api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": API_RATE_TOKEN,
        "user": API_RATE_USER,
        "address": API_RATE_ANONYMOUS,
    },
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PaperNotes API",
    "DESCRIPTION": (
        "Papers, notes, revisions, comments and the rest of PaperNotes, with personal "
        "access tokens, incremental sync and safe concurrent edits."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
}

# --- Failures and health ----------------------------------------------------------------
# One log line per kind of failure (database unavailable, lock timeout, cache unavailable…)
# per this many seconds, with the count of the others, instead of a traceback per request.
FAILURE_LOG_INTERVAL_SECONDS = env_int("FAILURE_LOG_INTERVAL_SECONDS", 60, minimum=1)
# /health/ready answers 503 when the disk holding VAR_DIR has less free space than this.
HEALTH_MIN_FREE_DISK_MB = env_int("HEALTH_MIN_FREE_DISK_MB", 500, minimum=0)

# /metrics (papernotes.metrics): answered to these addresses, or to a scraper sending
# "Authorization: Bearer <METRICS_TOKEN>".
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = env_str("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 random characters.")

# Errors reported to Sentry when SENTRY_DSN is set (papernotes.error_reporting).
SENTRY_DSN = env_str("SENTRY_DSN")
error_reporting.start(
    dsn=SENTRY_DSN,
    environment=env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
    traces_sample_rate=env_int("SENTRY_TRACES_PERCENT", 0, minimum=0, maximum=100) / 100,
)

# LOG_FORMAT=json: one JSON object per line, and one line per request (papernotes.logs).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = logging_config(level=env_str("LOG_LEVEL", "WARNING"), log_format=LOG_FORMAT)

# django-simple-history: edit messages are kept in history_change_reason.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
TAGGIT_CASE_INSENSITIVE = True
