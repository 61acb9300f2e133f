from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class PaperNotesUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "affiliation", "bio")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "date_joined")
