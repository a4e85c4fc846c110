"""Two-factor sign-in: an authenticator app (TOTP) and one-time recovery codes."""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    # Wrong codes per account (at sign-in: the account half signed in), counted before the
    # check as failed sign-ins are: a million codes are never worth guessing at this pace.
    "MFA_RATE_LIMIT": "5/minute;20/hour",
    # Seconds between a right password and its code before the password must be given again.
    "MFA_PENDING_MAX_AGE": 300,
}


def init_mfa(app: Flask) -> None:
    from roster.mfa.views import bp

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
