from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from notes.views import browse

admin.site.site_header = "PaperNotes administration"

urlpatterns = [
    # Before the admin's own URLs: its login page would bypass the login throttle.
    path("admin/login/", account_views.admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("u/<str:username>/", browse.user_notes, name="profile"),
    path("", include("notes.urls")),
]
