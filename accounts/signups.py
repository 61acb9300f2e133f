"""Signing up by e-mail confirmation, without revealing which addresses have accounts.

Whatever address is entered, sign-up answers "check your e-mail". A new address gets a
link that makes the account and logs in; an address that already has an account gets a
notice instead ("someone tried to sign up with your address; log in or reset your
password") and nothing is made. Only the owner of the address learns which it was.

Nothing is made in the users table before the link is followed: the sign-up waits as a
``PendingSignup`` (the password's hash and a hash of the link's token) for
``CONFIRM_DAYS`` days. Usernames are public (every profile shows one), so a taken
username is still said at once; one taken between sign-up and confirmation is said then.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import PendingSignup, User, is_taken, users_named

CONFIRM_DAYS = 3


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def existing_account(email: str) -> User | None:
    return User.objects.alias(folded=Lower("email")).filter(folded=Lower(Value(email))).first()


def signup_requested(
    *, username: str, email: str, password: str, next_url: str, absolute: Callable[[str], str]
) -> None:
    """Mail ``email`` what follows from a sign-up; the caller answers the same either way.

    ``absolute`` makes a full URL of a path (``request.build_absolute_uri``), as the
    password reset e-mails do.
    """
    context = {"site_name": settings.SITE_NAME, "username": username, "days": CONFIRM_DAYS}
    account = existing_account(email)
    if account is not None:
        context.update(
            account=account,
            login_url=absolute(reverse("accounts:login")),
            reset_url=absolute(reverse("accounts:password_reset")),
        )
        mail(account.email, "accounts/email/signup_exists", context)
        return
    forget_expired()
    token = secrets.token_urlsafe(32)
    PendingSignup.objects.create(
        username=username,
        email=email,
        password=make_password(password),
        token_hash=_token_hash(token),
        next_url=next_url,
    )
    context["confirm_url"] = absolute(reverse("accounts:signup_confirm", args=[token]))
    mail(email, "accounts/email/signup_confirm", context)


def mail(to: str, template: str, context: dict[str, object]) -> None:
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _cutoff() -> datetime:
    return timezone.now() - timedelta(days=CONFIRM_DAYS)


def forget_expired() -> int:
    """Delete the sign-ups nobody confirmed in time."""
    deleted, _ = PendingSignup.objects.filter(created__lt=_cutoff()).delete()
    return deleted


def pending_for(token: str) -> PendingSignup | None:
    """The sign-up ``token`` confirms, while it is still open."""
    return PendingSignup.objects.filter(
        token_hash=_token_hash(token), created__gte=_cutoff()
    ).first()


@dataclass(frozen=True)
class Confirmed:
    """What following a link came to: the new account, or why there is none."""

    username: str
    user: User | None = None
    next_url: str = ""
    # The name went to someone else between sign-up and confirmation.
    username_taken: bool = False
    # The address has an account already (another link for it was followed first).
    email_taken: bool = False


def confirm(*, token: str) -> Confirmed | None:
    """Make the account ``token``'s sign-up asked for; None for a link that is not open.

    The sign-up (and any other waiting for the same address) is closed either way, so a
    link works once.
    """
    with transaction.atomic():
        pending = (
            PendingSignup.objects.select_for_update()
            .filter(token_hash=_token_hash(token), created__gte=_cutoff())
            .first()
        )
        if pending is None:
            return None
        same_address = PendingSignup.objects.alias(folded=Lower("email")).filter(
            folded=Lower(Value(pending.email))
        )
        username = pending.username
        if is_taken("email", pending.email):
            same_address.delete()
            return Confirmed(username, email_taken=True)
        if users_named(username).exists():
            pending.delete()
            return Confirmed(username, username_taken=True)
        try:
            with transaction.atomic():
                # The stored hash is the password, as create_user() would have made it.
                user = User.objects.create(
                    username=username, email=pending.email, password=pending.password
                )
        except IntegrityError:
            # Another confirmation took the name or the address a moment ago.
            pending.delete()
            if is_taken("email", pending.email):
                return Confirmed(username, email_taken=True)
            return Confirmed(username, username_taken=True)
        same_address.delete()
    return Confirmed(username, user=user, next_url=pending.next_url)
