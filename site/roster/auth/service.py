"""Signing in: which account a pair of credentials opens, and the fresh session it gets."""

from __future__ import annotations

from functools import cache

from flask import g, session
from werkzeug.security import check_password_hash, generate_password_hash

from roster.sessions.service import sign_in
from roster.users.models import User
from roster.users.service import find_for_login, hash_method


def authenticate(identifier: str, password: str) -> User | None:
    """The active account these credentials open, or None (unknown, inactive, deleted, wrong).

    An unknown name costs a hash check too, so the time taken does not tell who has an account.
    """
    user = find_for_login(identifier)
    if user is None:
        check_password_hash(_decoy_hash(hash_method()), password)
        return None
    return user if user.check_password(password) else None


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def start_session(user: User, *, remember: bool) -> None:
    """Sign in on a fresh session, so that a session planted before sign-in is worthless;
    the cookies name a new server-side session record."""
    renew_session()
    sign_in(user, remember=remember)


def renew_session() -> None:
    """Empty the session, CSRF token included; Flask-WTF's per-request copy in `g` goes too."""
    session.clear()
    g.pop("csrf_token", None)
