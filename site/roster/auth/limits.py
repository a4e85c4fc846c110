"""Rate limits on sign-in and registration (Flask-Limiter; Redis when REDIS_URL is set).

The rates come from the config (LOGIN_RATE_LIMIT, ...) so that tests can make them tiny.
Keys carry a kind prefix: a username such as "127.0.0.1" must not share a counter with an address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from roster.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def client_address_key() -> str:
    return f"ip:{get_remote_address()}"


def login_username_key() -> str:
    """The account being tried, however it is spelled (case, blanks)."""
    return "user:" + request.form.get("username", "").strip().lower()


def failed_sign_in(response: Response) -> bool:
    """Only failures count (422): a user who gets it right never comes near the limit."""
    return response.status_code == 422


def configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def limit_failed_sign_ins(view: F) -> F:
    """LOGIN_RATE_LIMIT failed sign-ins per client address and, separately, per username."""
    for key_func in (client_address_key, login_username_key):
        view = limiter.limit(
            configured("LOGIN_RATE_LIMIT"),
            key_func=key_func,
            methods=["POST"],
            deduct_when=failed_sign_in,
        )(view)
    return view


def signed_in_user_key() -> str:
    return f"account:{current_user.get_id()}"


def limit_failed_password_checks(view: F) -> F:
    """PASSWORD_CHECK_RATE_LIMIT wrong current passwords per account, so a borrowed session
    cannot be used to guess the password."""
    return limiter.limit(
        configured("PASSWORD_CHECK_RATE_LIMIT"),
        key_func=signed_in_user_key,
        methods=["POST"],
        deduct_when=failed_sign_in,
    )(view)


limit_registrations = limiter.limit(
    configured("REGISTER_RATE_LIMIT"), key_func=client_address_key, methods=["POST"]
)
limit_field_checks = limiter.limit(
    configured("FIELD_CHECK_RATE_LIMIT"), key_func=client_address_key
)
