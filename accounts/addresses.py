"""Changing one's e-mail address by confirmation, without revealing which addresses have
accounts.

Like sign-up (``accounts.signups``), the profile form answers "check your e-mail" for any
new address: a free address gets a link that makes it the account's address; an address
that already belongs to another account gets a notice instead, and nothing changes. The
address in use stays until the link is followed, so a mistyped address never locks anyone
out of password resets.

The link carries a signed token (the account, the new address and the address it
replaces), valid for ``CONFIRM_DAYS`` days and only while the account still has the
address it replaces: a link works once, and an older link stops working after a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User, is_taken
from accounts.signups import CONFIRM_DAYS, existing_account, mail

SALT = "accounts.addresses.change"


def same_address(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def change_requested(*, user: User, email: str, absolute: Callable[[str], str]) -> None:
    """Mail ``email`` what follows from ``user`` asking for it; the caller answers the same
    either way."""
    context: dict[str, object] = {
        "site_name": settings.SITE_NAME,
        "user": user,
        "email": email,
        "days": CONFIRM_DAYS,
    }
    account = existing_account(email)
    if account is not None:
        if account.pk != user.pk:
            context["account"] = account
            mail(account.email, "accounts/email/address_in_use", context)
        return
    token = signing.dumps({"user": user.pk, "new": email, "old": user.email}, salt=SALT)
    context["confirm_url"] = absolute(reverse("accounts:address_confirm", args=[token]))
    mail(email, "accounts/email/address_confirm", context)


@dataclass(frozen=True)
class Change:
    """An open link: whose address it changes, and to what."""

    user: User
    email: str


def open_change(token: str) -> Change | None:
    """The change ``token`` asks for, while its link is open; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=CONFIRM_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None or not same_address(user.email, data.get("old", "")):
        return None
    return Change(user=user, email=data["new"])


def confirm(change: Change) -> bool:
    """Make the change; False when the address went to another account meanwhile."""
    if is_taken("email", change.email, exclude_pk=change.user.pk):
        return False
    try:
        with transaction.atomic():
            User.objects.filter(pk=change.user.pk).update(email=change.email)
    except IntegrityError:
        return False
    return True
