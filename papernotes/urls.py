from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from notes.views import browse

admin.site.site_header = "PaperNotes administration"
# A failure of the database or the cache outside a view answers 503 too (papernotes.outages).
handler500 = "papernotes.outages.server_error"

urlpatterns = [
    # Before the admin's own URLs: its login page would bypass the login throttle.
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("u/<str:username>/", browse.user_notes, name="profile"),
    path("", include("notes.urls")),
]
