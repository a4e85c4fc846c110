"""What holds on every request: a strict CSP and friends, Secure cookies over HTTPS, a scheme
and client address taken only from trusted proxies, and no NUL bytes in any text.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from roster.extensions import MAX_ID

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class SecureCookies:
    """WSGI middleware: over HTTPS every cookie (session, remember me, any other) gets `Secure`.

    A fixed SESSION_COOKIE_SECURE would break `make run` on plain http://, so the request
    decides. It wraps the whole app because the session cookie is written after every
    `after_request` hook has run.
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status: str, headers: list[tuple[str, str]], *args: Any):
            return start_response(
                status, [secure_cookie(name, value) for name, value in headers], *args
            )

        return self.wsgi_app(environ, secure_start_response)


def secure_cookie(name: str, value: str) -> tuple[str, str]:
    if name.lower() != "set-cookie":
        return name, value
    if any(part.strip().lower() == "secure" for part in value.split(";")):
        return name, value
    return name, f"{value}; Secure"


class ConnectionScheme:
    """WSGI middleware for TRUSTED_PROXIES=0: the scheme is the connection's own.

    gunicorn believes X-Forwarded-Proto from loopback by default (`forwarded_allow_ips`), so
    any local process could make a plain-HTTP request look like HTTPS. gunicorn hands over the
    client socket, which says what the connection really is.
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            environ["wsgi.url_scheme"] = "https" if isinstance(sock, ssl.SSLSocket) else "http"
        return self.wsgi_app(environ, start_response)


class RowIdConverter(IntegerConverter):
    """`<int:...>` in routes: an id no row can have (beyond the column) is a plain 404."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, *args, **{"max": MAX_ID, **kwargs})


def refuse_nul_bytes() -> None:
    """No text on this site may hold NUL: refuse it up front (PostgreSQL cannot store it, and
    SQLite would keep it), so that both databases answer the same clear 400."""
    if "\x00" in request.path:
        abort(400)
    for values in (request.args, request.form):
        if any("\x00" in key + value for key, value in values.items(multi=True)):
            abort(400)


def init_security(app: Flask) -> None:
    """Headers on every response; X-Forwarded-* honoured only from TRUSTED_PROXIES proxies."""
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
    app.wsgi_app = SecureCookies(app.wsgi_app)  # type: ignore[method-assign]
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Outermost, so that SecureCookies and the rate limiter see the client's scheme and address.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    else:
        app.wsgi_app = ConnectionScheme(app.wsgi_app)  # type: ignore[method-assign]
