"""Settings read from the environment: nothing secret is ever written in the code."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask

DEBUG_SITE_URL = "http://127.0.0.1:5000"


class MissingSecretKey(RuntimeError):
    """Raised at start-up when a production server has no SECRET_KEY."""


class MissingSiteURL(RuntimeError):
    """Raised at start-up when a production server sends mail but has no SITE_URL."""


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
        # Starts every Redis key and channel of this site (rate limits, session cache, live
        # updates), so that several sites or test runs can share one Redis.
        REDIS_KEY_PREFIX=os.environ.get("REDIS_KEY_PREFIX", "roster:"),
        # Host names this site answers to (comma-separated); others get 400, so that no link or
        # redirect is ever built on a forged Host header. Unset: any host (development).
        TRUSTED_HOSTS=_host_list(os.environ.get("TRUSTED_HOSTS", "")),
        # Request size: the largest form is a 10,000-character post, so 1 MB is plenty. A bigger
        # body is refused (413) from its Content-Length before a byte of it is read.
        MAX_CONTENT_LENGTH=1024 * 1024,
        MAX_FORM_MEMORY_SIZE=256 * 1024,  # per field
        MAX_FORM_PARTS=100,  # multipart fields
        # Seconds a client is asked to wait (Retry-After) when the database is unreachable.
        RETRY_AFTER_SECONDS=5,
        # The fragment catalog at /_catalog (always on in debug): CATALOG=1 turns it on elsewhere.
        CATALOG=_flag("CATALOG"),
        # Admins must use two-factor sign-in: one without it is sent to set it up (roster.mfa).
        REQUIRE_ADMIN_MFA=_flag("REQUIRE_ADMIN_MFA"),
        # A page may stay open for hours; the token is still bound to the session.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PASSWORD_HASH_METHOD="scrypt",  # noqa: S106 (a method name, not a password)
        # How long a create form's key is remembered (roster.idempotency): a second sending
        # of the same form within this time gets the first one's answer instead of a duplicate.
        IDEMPOTENCY_KEY_MAX_AGE=24 * 3600,
        USERS_PER_PAGE=25,
        POSTS_PER_PAGE=10,
        AUDIT_PER_PAGE=50,
        # Rows in each section of a user's details page (sign-ins, posts, history).
        DETAILS_ROWS=10,
        # Failed sign-ins (Flask-Limiter rate strings; the scheme is in the README's security
        # model): per account from one address, per account from everywhere, per address.
        LOGIN_RATE_LIMIT="10/minute",
        LOGIN_ACCOUNT_RATE_LIMIT="50/minute",
        LOGIN_ADDRESS_RATE_LIMIT="30/minute",
        # Registration attempts per address; as-you-type field checks per address.
        REGISTER_RATE_LIMIT=os.environ.get("REGISTER_RATE_LIMIT", "20/hour"),
        FIELD_CHECK_RATE_LIMIT="120/minute",
        # Wrong current passwords per account on the change-password form.
        PASSWORD_CHECK_RATE_LIMIT="5/minute",  # noqa: S106 (a rate, not a password)
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (0: none), so that
        # HTTPS behind a TLS-terminating proxy marks cookies Secure and rate limits see the client.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        # A Redis that goes away must not stop anyone signing in: counters move to this process's
        # memory (with a warning in the log) and back to Redis once it answers again. Short
        # timeouts, so that an unreachable Redis costs a request half a second at most.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        # Outgoing mail (roster.mail): without MAIL_URL every message is kept in instance/mail/.
        MAIL_URL=os.environ.get("MAIL_URL"),
        MAIL_FROM=os.environ.get("MAIL_FROM", "Roster <roster@localhost>"),
        # The base of every link in mail; never taken from a request's Host header.
        SITE_URL=os.environ.get("SITE_URL"),
    )
    app.config["RATELIMIT_KEY_PREFIX"] = f"{app.config['REDIS_KEY_PREFIX']}limits"
    if "SECRET_KEY" in os.environ:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _fallback_secret_key(app)
    if not app.config.get("SITE_URL"):
        app.config["SITE_URL"] = _fallback_site_url(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        # Heroku-style URLs name a driver SQLAlchemy no longer accepts.
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgres://", "postgresql+psycopg://", 1
        )


def _flag(name: str) -> bool:
    """An on/off setting: 1, true, yes or on (any case) mean on."""
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


def _host_list(value: str) -> list[str] | None:
    return [host.strip() for host in value.split(",") if host.strip()] or None


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


def _fallback_site_url(app: Flask) -> str:
    """Links in real mail must point at the real site: guessing it is left to development."""
    if app.config["MAIL_URL"] and not (app.debug or app.testing or _is_maintenance_command()):
        raise MissingSiteURL(
            "SITE_URL is not set: links in mail need it "
            "(export SITE_URL=https://roster.example.com, the address users open)."
        )
    return DEBUG_SITE_URL


def _is_maintenance_command() -> bool:
    """True inside a `flask` command other than `run`, which is the only one that serves."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name not in {"run", None}
