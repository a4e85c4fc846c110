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


def link_context(purpose: Purpose, user: User, endpoint: str, address: str = "") -> dict:
    """The link a message asks its reader to follow, and how long it works."""
    token = make_token(purpose, user, address)
    return {
        "user": user,
        "link": site_url_for(endpoint, token=token),
        "valid_for": describe(purpose.max_age),
    }


def password_reset(user: User) -> Letter:
    context = link_context(Purpose.RESET, user, "accounts.reset_password")
    return Letter(user.email, "Reset your Roster password", "password_reset", context)


def verification(user: User, address: str, reason: str) -> Letter:
    """Ask `address` to confirm itself: `reason` is registration, change (own) or admin."""
    context = link_context(Purpose.VERIFY, user, "accounts.verify_email", address)
    context.update(address=address, reason=reason)
    return Letter(address, "Confirm your email address for Roster", "verify_email", context)


def invite(user: User, invited_by: User) -> Letter:
    context = link_context(Purpose.INVITE, user, "accounts.accept_invite")
    context.update(invited_by=invited_by.name)
    return Letter(user.email, "You are invited to Roster", "invite", context)


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


def mfa_changed(user: User, *, enabled: bool) -> Letter:
    """Two-factor sign-in turned on or off: a hijacker turning it off is what this catches."""
    state = "on" if enabled else "off"
    return Letter(
        user.email,
        f"Two-factor sign-in is {state} for your Roster account",
        "mfa_changed",
        {"user": user, "enabled": enabled, "forgot_url": forgot_url()},
    )
