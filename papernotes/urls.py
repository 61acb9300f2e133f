from django.contrib import admin
from django.urls import include, path

from accounts import languages
from accounts import views as account_views
from papernotes import health, metrics

admin.site.site_header = "PaperNotes administration"
# A failure of the database or the cache outside a view answers 503 too (papernotes.outages).
handler500 = "papernotes.outages.server_error"

# The site's own: the health probes, the metrics and the language switch.
site_patterns = [
    path("health/", health.health, name="health"),
    path("health/live", health.health_live, name="health_live"),
    path("health/ready", health.health_ready, name="health_ready"),
    # Prometheus, for the scrapers METRICS_ALLOWED_IPS or METRICS_TOKEN admit.
    path("metrics", metrics.metrics_view, name="metrics"),
    # The footer's language switch posts here (Django's set_language, kept on the account).
    path("i18n/setlang/", languages.set_language, name="set_language"),
]

urlpatterns = [
    path("", include((site_patterns, "site"))),
    # Before the admin's own URLs: its login page would bypass the login throttle.
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("notes.urls")),
    # After the notes' URLs, which register the path converters the API's use too.
    path("api/v1/", include("api.urls")),
]
