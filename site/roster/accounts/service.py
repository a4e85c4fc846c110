"""What the account links change, and the notices that follow: each mail leaves after the commit."""

from __future__ import annotations

import logging

from flask import current_app, flash
from limits import parse

from roster.accounts import mails
from roster.extensions import db, limiter
from roster.mail import Delivery
from roster.users.models import User, utcnow
from roster.users.service import commit_or_report_duplicate, find_for_login, hash_method

logger = logging.getLogger("roster.accounts")


def request_password_reset(identifier: str) -> None:
    """Mail a reset link to the account `identifier` names, if there is one; say nothing either way.

    Per account at most PASSWORD_RESET_ACCOUNT_RATE_LIMIT links: beyond it nothing is sent,
    and the answer stays the same, so the limit tells nobody whether the account exists.
    """
    user = find_for_login(identifier)
    if user is None:
        return
    rate = parse(current_app.config["PASSWORD_RESET_ACCOUNT_RATE_LIMIT"])
    if not limiter.limiter.hit(rate, "password-reset-account", str(user.id)):
        logger.warning("Password reset for user %s not sent: too many asked for", user.id)
        return
    mails.password_reset(user).send()


def set_new_password(user: User, password: str) -> None:
    """Set the password from a reset or an invite link, and end every session the account had.

    The link was mailed to the account's address, so following it also confirms that address.
    """
    # Changing the password ends every session and remember cookie (roster.sessions, on flush).
    user.set_password(password, method=hash_method())
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()


def confirm_email(user: User, address: str) -> str | None:
    """Make `address` the account's confirmed email; the address it replaces, if any.

    Raises DuplicateUserError when another account took the address in the meantime.
    """
    previous = user.email if user.email != address else None
    user.email = address
    user.email_verified_at = utcnow()
    commit_or_report_duplicate()
    if previous is not None:
        mails.email_changed(user, previous).send()
    return previous


def tell_password_changed(user: User) -> None:
    """The security notice after the owner changed their password (a reset sends its own)."""
    mails.password_changed(user).send()


def ask_to_confirm_new_account(user: User) -> None:
    """After registration: the new address gets its confirmation link."""
    report(mails.verification(user, user.email, "registration").send(), "A confirmation link")


def needs_confirmation(user: User, address: str) -> bool:
    """Before the commit of the owner's profile: whether `address` must confirm itself first.

    A change of letter case only is the same mailbox: it applies at once.
    """
    if address.lower() == user.email.lower():
        user.email = address
        return False
    return True


def ask_to_confirm_email_change(user: User, address: str) -> None:
    """A user's own new address takes effect only once its link is followed."""
    if report(mails.verification(user, address, "change").send(), "A confirmation link"):
        flash(f"Your email stays {user.email} until you follow the link.", "info")


def invite_if_passwordless(user: User, admin: User) -> None:
    """After an admin created `user` without a password: the invitation to choose one."""
    if not user.has_usable_password:
        report(mails.invite(user, admin).send(), "The invitation")


def announce_admin_edit(user: User, *, old_address: str, new_password: bool) -> None:
    """After the commit of an admin's edit: the verification link and the security notices."""
    if user.email != old_address:
        report(mails.verification(user, user.email, "admin").send(), "The confirmation link")
        mails.email_changed(user, old_address, by_admin=True).send()
    if new_password:
        mails.password_changed(user, by_admin=True).send()


def report(delivery: Delivery, what: str) -> bool:
    """Wait briefly for a message an admin or user is told about; flash how it went.

    A mail server that does not answer within MAIL_WAIT_SECONDS is not waited for: the
    message is still on its way, and the request goes on.
    """
    outcome = delivery.wait(current_app.config["MAIL_WAIT_SECONDS"])
    if outcome is True:
        flash(f"{what} was sent to {delivery.recipient}.", "success")
    elif outcome is None:
        flash(f"{what} to {delivery.recipient} is on its way; the mail server is slow.", "info")
    else:
        flash(
            f"{what} could not be sent to {delivery.recipient}: the mail server refused it or "
            "did not answer. Nothing else was lost; try sending it again later.",
            "error",
        )
    return outcome is not False
