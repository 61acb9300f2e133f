"""PaperNotes settings: one file, every value from the environment.

Development needs no variables at all: DEBUG is on, a development secret key is used
and the embedded PostgreSQL server starts under ``var/``. Production sets DEBUG=0,
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; the secure settings follow from DEBUG.
"""

from pathlib import Path

from papernotes import embedded_db
from papernotes.env import (
    env_bool,
    env_database,
    env_float,
    env_int,
    env_list,
    env_origins,
    env_redis_url,
    env_secret_key,
    env_str,
)

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
    "django_htmx",
    "taggit",
    "simple_history",
    "accounts",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set (needed with more than one process) ------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Room for the remembered pieces of pages (notes.fragments: a list page alone keeps 20
    # entries) instead of Django's 300, past which a third of them would be dropped.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 5000, minimum=1)},
        }
    }

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins: after LOGIN_FAILURE_LIMIT failures within LOGIN_LOCKOUT_SECONDS for one
# username or one client address, further attempts wait until the window ends.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 300, minimum=1)
# Trust X-Forwarded-For for the client address only behind a proxy that sets it.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# --- Comments and notifications -------------------------------------------------------
# Each user may post COMMENT_RATE_LIMIT comments within COMMENT_RATE_WINDOW_SECONDS.
COMMENT_RATE_LIMIT = env_int("COMMENT_RATE_LIMIT", 10, minimum=1)
COMMENT_RATE_WINDOW_SECONDS = env_int("COMMENT_RATE_WINDOW_SECONDS", 60, minimum=1)
# Each user may ask for PREVIEW_RATE_LIMIT previews within PREVIEW_RATE_WINDOW_SECONDS.
PREVIEW_RATE_LIMIT = env_int("PREVIEW_RATE_LIMIT", 30, minimum=1)
PREVIEW_RATE_WINDOW_SECONDS = env_int("PREVIEW_RATE_WINDOW_SECONDS", 60, minimum=1)
# Rendering (notes.render_worker): the CPU seconds one render may use before the render
# child is killed and the author told the text is too complex, and a wall-clock cap as a
# safety net for a machine too busy to give the child its CPU.
RENDER_CPU_SECONDS = env_float("RENDER_CPU_SECONDS", 2.0, minimum=0.1)
RENDER_WALL_SECONDS = env_float("RENDER_WALL_SECONDS", 20.0, minimum=1.0)
# The address e-mails link to (notifications and digests are sent outside a request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
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
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# django-simple-history: edit messages are kept in history_change_reason.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
TAGGIT_CASE_INSENSITIVE = True
