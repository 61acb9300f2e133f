from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path, reverse_lazy

from accounts import views
from accounts.forms import SetPasswordForm
from api import pages as api_pages

app_name = "accounts"

urlpatterns: list[URLPattern] = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<slug:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/address/<str:token>/", views.address_confirm, name="address_confirm"),
    path("password/", views.password_change, name="password_change"),
    path("tokens/", api_pages.tokens, name="tokens"),
    # Password reset: Django's views keep the token checks and the one-time link handling.
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        # Logged in once the password is set: the way in for someone whose attempts are
        # paused by the login throttle, so nobody can keep a user out.
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm,
            post_reset_login=True,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
