"""Error pages: a full page for a browser, a small fragment for htmx (which swaps errors in)."""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from roster.extensions import db
from roster.rendering import render

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Forbidden", "You do not have permission to see this."),
    404: ("Not found", "There is nothing here. Check the address, or start from the home page."),
    405: ("Method not allowed", "That action is not possible here."),
    429: ("Too many requests", "Too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong", "We could not finish that. The error has been logged."),
}


def render_error(code: int, detail: str | None = None) -> Response:
    title, message = MESSAGES.get(code, (f"Error {code}", "Something went wrong."))
    return render(
        "errors/error.html",
        "error",
        status=code,
        code=code,
        title=title,
        message=detail or message,
    )


def handle_http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        return error
    response = render_error(error.code)
    for name, value in error.get_headers():
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def handle_csrf_error(error: CSRFError) -> Response:
    return render_error(
        400, "Your session expired or the form was tampered with. Reload the page and try again."
    )


def handle_server_error(error: InternalServerError) -> Response:
    """Roll back first, so the error page (and the next request) does not reuse a broken session."""
    db.session.rollback()
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
