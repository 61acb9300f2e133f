from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from accounts import views
from accounts.forms import SetPasswordForm

urlpatterns: list[URLPattern] = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("password/", views.password_change, name="password_change"),
    # Password reset: Django's views keep the token checks and the one-time link handling.
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
