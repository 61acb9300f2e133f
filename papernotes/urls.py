from django.contrib import admin
from django.urls import include, path

from notes.views import browse

admin.site.site_header = "PaperNotes administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("u/<str:username>/", browse.user_notes, name="profile"),
    path("", include("notes.urls")),
]
