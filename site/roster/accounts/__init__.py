"""Accounts that look after themselves: password reset, email confirmation and invites by mail."""

from __future__ import annotations

from flask import Flask

from roster.accounts.logs import redact_request_logs
from roster.accounts.views import bp

DEFAULTS = {
    # How long each mailed link works, in seconds.
    "RESET_LINK_MAX_AGE": 60 * 60,
    "VERIFY_LINK_MAX_AGE": 3 * 24 * 60 * 60,
    "INVITE_LINK_MAX_AGE": 7 * 24 * 60 * 60,
    # Reset requests per client address (answered with 429), and reset mails per account
    # (beyond it nothing is sent and the answer stays the same: nobody learns who exists).
    "PASSWORD_RESET_RATE_LIMIT": "5/minute;20/hour",
    "PASSWORD_RESET_ACCOUNT_RATE_LIMIT": "3/hour",
}


def init_accounts(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
    redact_request_logs()
