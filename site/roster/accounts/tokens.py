"""Signed links for reset, verification and invites: no token table, and each one works once.

Django's PasswordResetTokenGenerator idea: a token is the user's id signed together with a
fingerprint of the account state it may change (the password hash for a reset, the address
and its verified time for a confirmation). Using the link changes that state, so the same
link then finds a different fingerprint and is refused; so is any older link, and a reset
link dies as soon as the password changes by any road. The signature carries the time, so
expiry needs no storage either (itsdangerous).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from roster.extensions import db
from roster.templating import as_utc
from roster.users.models import User


class Purpose(Enum):
    """What a link is for; each signs with its own salt, so one can never stand for another."""

    RESET = "password-reset"
    VERIFY = "email-verify"
    INVITE = "invite"

    @property
    def max_age(self) -> timedelta:
        return timedelta(seconds=current_app.config[f"{self.name}_LINK_MAX_AGE"])


class LinkProblem(Exception):
    """A link that cannot be used: `kind` (BAD, EXPIRED, USED, TAKEN) picks what the user reads."""

    def __init__(self, purpose: Purpose, kind: str) -> None:
        super().__init__(kind)
        self.purpose = purpose
        self.kind = kind


BAD, EXPIRED, USED, TAKEN = "bad", "expired", "used", "taken"


@dataclass(frozen=True)
class Link:
    """A checked link: the account it belongs to and, for a confirmation, the address."""

    user: User
    address: str = ""


def make_token(purpose: Purpose, user: User, address: str = "") -> str:
    return _serializer(purpose).dumps([user.id, address, fingerprint(purpose, user, address)])


def check_token(purpose: Purpose, token: str) -> Link:
    """The link's account, or LinkProblem: tampered or unknown (bad), too old, or used up."""
    serializer = _serializer(purpose)
    try:
        user_id, address, mark = serializer.loads(
            token, max_age=int(purpose.max_age.total_seconds())
        )
    except SignatureExpired:
        raise LinkProblem(purpose, EXPIRED) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkProblem(purpose, BAD) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.deleted_at is not None or not user.is_active:
        raise LinkProblem(purpose, BAD)
    if mark != fingerprint(purpose, user, address):
        raise LinkProblem(purpose, USED)
    return Link(user, address)


def fingerprint(purpose: Purpose, user: User, address: str) -> str:
    """A digest of the state the link may change; the secret key is in the signature."""
    if purpose is Purpose.VERIFY:
        verified = as_utc(user.email_verified_at).isoformat() if user.email_verified_at else ""
        state = [user.email.lower(), verified, address.lower()]
    else:
        state = [user.password_hash, user.email.lower()]
    return hashlib.sha256("\x00".join(state).encode()).hexdigest()[:32]


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"roster.{purpose.value}")
