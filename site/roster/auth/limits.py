"""Rate limits on sign-in and registration (Flask-Limiter; Redis when REDIS_URL is set).

The rates come from the config (LOGIN_RATE_LIMIT, ...) so that tests can make them tiny.
Keys carry a kind prefix: a username such as "127.0.0.1" must not share a counter with an address.

Failed sign-ins are counted per account (a username and an email of one account are one key),
from one address and from everywhere, and per address; the README's security model says why.
Each attempt is counted before the password is checked, with the storage's atomic increment,
so a burst of parallel guesses cannot slip past the limit; a sign-in that did not fail gives its
count back, so a user who gets it right never comes near the limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, make_response, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from roster.extensions import db, limiter
from roster.users.policy import identifier_key
from roster.users.service import find_for_login

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


def client_address_key() -> str:
    return f"ip:{get_remote_address()}"


def sign_in_account_key() -> str:
    """The account a sign-in names, by username or email in any case: `account:<id>`.

    A name that opens no account is counted under the name itself, folded like a lookup.
    """
    if "sign_in_account_key" not in g:
        identifier = request.form.get("username", "")
        try:
            user = find_for_login(identifier)
        except SQLAlchemyError:
            # The view meets the same database and answers 503; a raising key function would
            # make Flask-Limiter believe that its storage had failed.
            db.session.rollback()
            user = None
        g.sign_in_account_key = (
            f"account:{user.id}" if user else "name:" + identifier_key(identifier)
        )
    return g.sign_in_account_key


def account_from_address_key() -> str:
    return f"{sign_in_account_key()}|{client_address_key()}"


def failed_sign_in(response: Response) -> bool:
    """Only failures count (422): a user who gets it right never comes near the limit."""
    return response.status_code == 422


def configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def give_back_counts() -> None:
    """Undo this request's hits on its limits (a fixed window counter goes down by one)."""
    for counted in limiter.current_limits:
        try:
            limiter.limiter.hit(counted.limit, *counted.request_args, cost=-1)
        except Exception:  # a storage that fails now only leaves one attempt counted
            log.warning("could not give back a sign-in attempt", exc_info=True)


def limit_failures(*limits: tuple[str, Callable[[], str]]) -> Callable[[F], F]:
    """Count every POST against each (setting, key function) before the view runs, and give
    the counts back when it did not fail: a parallel burst gets no more tries than the limit."""

    def decorate(view: F) -> F:
        @wraps(view)
        def counted(*args: Any, **kwargs: Any) -> Response:
            response = make_response(view(*args, **kwargs))
            if request.method == "POST" and not failed_sign_in(response):
                give_back_counts()
            return response

        limited: Any = counted
        for setting, key_func in limits:
            limited = limiter.limit(configured(setting), key_func=key_func, methods=["POST"])(
                limited
            )
        return limited

    return decorate


# Failed sign-ins: LOGIN_RATE_LIMIT per account from one address, LOGIN_ACCOUNT_RATE_LIMIT per
# account from everywhere, LOGIN_ADDRESS_RATE_LIMIT per address over all accounts.
limit_failed_sign_ins = limit_failures(
    ("LOGIN_RATE_LIMIT", account_from_address_key),
    ("LOGIN_ACCOUNT_RATE_LIMIT", sign_in_account_key),
    ("LOGIN_ADDRESS_RATE_LIMIT", client_address_key),
)


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
