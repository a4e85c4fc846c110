"""MAIL_URL turned into Flask-Mailman's settings: one variable instead of six."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from roster.mail.outbox import OutboxBackend

# Seconds an SMTP connection may stay silent before the send is given up (and logged).
SMTP_TIMEOUT = 10
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
YES = {"1", "true", "yes", "on"}


class InvalidMailURL(ValueError):
    """MAIL_URL cannot be understood; the message says what is expected."""


def mailman_settings(mail_url: str | None) -> dict[str, Any]:
    """The MAIL_* settings for `mail_url`; without one, the development outbox backend.

    `smtp://[user:password@]host:port` sends in the clear (or upgrades with `?starttls=1`),
    `smtps://` speaks TLS from the first byte. User and password may be percent-encoded.
    """
    if not mail_url:
        return {"MAIL_BACKEND": OutboxBackend}
    url = urlsplit(mail_url)
    if url.scheme not in DEFAULT_PORTS or not url.hostname:
        raise InvalidMailURL(
            "MAIL_URL must look like smtp://[user:password@]host:port "
            "(add ?starttls=1 for STARTTLS, or use smtps:// for TLS)."
        )
    try:
        port = url.port or DEFAULT_PORTS[url.scheme]
    except ValueError as error:
        raise InvalidMailURL(f"MAIL_URL has an invalid port: {error}") from None
    starttls = parse_qs(url.query).get("starttls", ["0"])[-1].lower() in YES
    if starttls and url.scheme == "smtps":
        raise InvalidMailURL("MAIL_URL: smtps:// is TLS already; starttls=1 is for smtp://.")
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": url.hostname,
        "MAIL_PORT": port,
        "MAIL_USERNAME": unquote(url.username) if url.username else None,
        "MAIL_PASSWORD": unquote(url.password) if url.password else None,
        "MAIL_USE_SSL": url.scheme == "smtps",
        "MAIL_USE_TLS": starttls,
        "MAIL_TIMEOUT": SMTP_TIMEOUT,
    }
