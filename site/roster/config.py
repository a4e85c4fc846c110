"""Settings read from the environment: nothing secret is ever written in the code."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask


class MissingSecretKey(RuntimeError):
    """Raised at start-up when a production server has no SECRET_KEY."""


def load_settings(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill `app.config` from defaults, then the environment, then explicit overrides."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'roster.db'}"
        ),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        REDIS_URL=os.environ.get("REDIS_URL"),
        # The fragment catalog at /_catalog (always on in debug): CATALOG=1 turns it on elsewhere.
        CATALOG=os.environ.get("CATALOG", "").lower() in {"1", "true", "yes", "on"},
        # A page may stay open for hours; the token is still bound to the session.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PASSWORD_HASH_METHOD="scrypt",  # noqa: S106 (a method name, not a password)
        USERS_PER_PAGE=25,
        POSTS_PER_PAGE=10,
        AUDIT_PER_PAGE=50,
        # Failed sign-ins per client address and per username; registration attempts per address;
        # as-you-type field checks per address (Flask-Limiter rate strings).
        LOGIN_RATE_LIMIT="10/minute",
        REGISTER_RATE_LIMIT="20/hour",
        FIELD_CHECK_RATE_LIMIT="120/minute",
        # Wrong current passwords per account on the change-password form.
        PASSWORD_CHECK_RATE_LIMIT="5/minute",  # noqa: S106 (a rate, not a password)
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (0: none), so that
        # HTTPS behind a TLS-terminating proxy marks cookies Secure and rate limits see the client.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
    )
    if "SECRET_KEY" in os.environ:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _fallback_secret_key(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        # Heroku-style URLs name a driver SQLAlchemy no longer accepts.
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgres://", "postgresql+psycopg://", 1
        )


def _fallback_secret_key(app: Flask) -> str:
    """A key for debug, tests and maintenance commands; a production server refuses to start."""
    if app.debug or app.testing:
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    if _is_maintenance_command():
        # `flask db upgrade`, `seed`, `create-user` sign nothing, so a throw-away key will do.
        return secrets.token_hex(32)
    raise MissingSecretKey(
        "SECRET_KEY is not set: export SECRET_KEY=<a long random string> "
        "(or run with --debug for a development key kept in the instance folder)."
    )


def _is_maintenance_command() -> bool:
    """True inside a `flask` command other than `run`, which is the only one that serves."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name not in {"run", None}
