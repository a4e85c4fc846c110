"""The account messages: each a link to act on or a notice of a change; `.send()` after the commit.

Built as Letters (not sent here), so that the catalog shows each with the context it is sent with.
"""

from __future__ import annotations

from datetime import timedelta

from roster.accounts.tokens import Purpose, make_token
from roster.mail import Letter, site_url_for
from roster.users.models import User


def describe(span: timedelta) -> str:
    """'1 hour', '7 days', '90 minutes': how long a link works, in words."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def forgot_url() -> str:
    return site_url_for("accounts.forgot_password")


def password_reset(user: User) -> Letter:
    token = make_token(Purpose.RESET, user)
    return Letter(
        user.email,
        "Reset your Roster password",
        "password_reset",
        {
            "user": user,
            "reset_url": site_url_for("accounts.reset_password", token=token),
            "valid_for": describe(Purpose.RESET.max_age),
        },
    )


def verification(user: User, address: str, reason: str) -> Letter:
    """Ask `address` to confirm itself: `reason` is registration, change (own) or admin."""
    token = make_token(Purpose.VERIFY, user, address)
    return Letter(
        address,
        "Confirm your email address for Roster",
        "verify_email",
        {
            "user": user,
            "address": address,
            "reason": reason,
            "verify_url": site_url_for("accounts.verify_email", token=token),
            "valid_for": describe(Purpose.VERIFY.max_age),
        },
    )


def invite(user: User, invited_by: User) -> Letter:
    token = make_token(Purpose.INVITE, user)
    return Letter(
        user.email,
        "You are invited to Roster",
        "invite",
        {
            "user": user,
            "invited_by": invited_by.name,
            "invite_url": site_url_for("accounts.accept_invite", token=token),
            "valid_for": describe(Purpose.INVITE.max_age),
        },
    )


def password_changed(user: User, *, by_admin: bool = False) -> Letter:
    return Letter(
        user.email,
        "Your Roster password was changed",
        "password_changed",
        {
            "user": user,
            "by_admin": by_admin,
            "forgot_url": forgot_url(),
        },
    )


def email_changed(user: User, old_address: str, *, by_admin: bool = False) -> Letter:
    """Tell the address the account just left: it is the one a hijacker would not control."""
    return Letter(
        old_address,
        "Your Roster email address was changed",
        "email_changed",
        {
            "user": user,
            "old_address": old_address,
            "new_address": user.email,
            "by_admin": by_admin,
            "forgot_url": forgot_url(),
        },
    )
