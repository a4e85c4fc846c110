"""A sign-in half done: the password was right, the code is still to come.

Kept in the signed session cookie (nobody can forge or change it without the SECRET_KEY) and
for MFA_PENDING_MAX_AGE seconds only. It names the account and a digest of its password hash,
so that it dies when the password changes; "remember me" and `next` wait here for the code.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from flask import current_app, session

from roster.auth.service import renew_session
from roster.extensions import db
from roster.users.models import User

KEY = "mfa_pending"


def now() -> float:
    """The clock (tests move it)."""
    return time.time()


@dataclass(frozen=True)
class PendingSignIn:
    """The account waiting for its code, and what the sign-in asked for."""

    user: User
    remember: bool
    next_url: str


def begin(user: User, *, remember: bool, next_url: str) -> None:
    """On a fresh session (nothing planted before survives), remember who is half signed in."""
    renew_session()
    session[KEY] = {
        "user": user.id,
        "remember": remember,
        "next": next_url,
        "since": int(now()),
        "mark": password_mark(user),
    }


def pending() -> PendingSignIn | None:
    """The half-done sign-in of this browser, if it is still good; None when absent or stale."""
    state = session.get(KEY)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int):
        return None
    since = state.get("since")
    if not isinstance(since, int) or now() - since > current_app.config["MFA_PENDING_MAX_AGE"]:
        return None
    user = db.session.get(User, state["user"])
    if user is None or user.deleted_at is not None or not user.is_active or not user.mfa_enabled:
        return None
    if state.get("mark") != password_mark(user):
        return None
    return PendingSignIn(user, bool(state.get("remember")), str(state.get("next") or "/"))


def pending_user_id() -> int | None:
    """Only the id, unchecked: the rate limit's key (the view checks the rest)."""
    state = session.get(KEY)
    user_id = state.get("user") if isinstance(state, dict) else None
    return user_id if isinstance(user_id, int) else None


def forget() -> None:
    session.pop(KEY, None)


def password_mark(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
