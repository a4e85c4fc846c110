"""Error pages: a full page for a browser, a small fragment for htmx (which swaps errors in).

Three kinds of failure are not the site's bug and must not look like one (a 500): data the
database refuses as malformed for its column (a clear 400), a change that raced another one
(409: views show both sides where they can, roster.conflicts; this is the net under them), and
a database that cannot be reached right now (503 with Retry-After; the next request tries
again, no restart needed).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from roster.conflicts import Conflict, is_race
from roster.extensions import db, login_manager
from roster.rendering import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Forbidden", "You do not have permission to see this."),
    404: ("Not found", "There is nothing here. Check the address, or start from the home page."),
    405: ("Method not allowed", "That action is not possible here."),
    409: (
        "Changed meanwhile",
        "Someone else changed this at the same moment. Reload the page and try again.",
    ),
    413: ("Too large", "That was more than this site accepts at once. Please send less."),
    429: ("Too many requests", "Too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong", "We could not finish that. The error has been logged."),
    503: (
        "Temporarily unavailable",
        "The site cannot reach its database right now. Please try again in a few seconds.",
    ),
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


def handle_untrusted_host(error: SecurityError) -> Response:
    """A Host outside TRUSTED_HOSTS: no page is drawn, since none of its links could be built."""
    return Response(
        "Bad request: this site does not answer to that host.\n", 400, mimetype="text/plain"
    )


def handle_csrf_error(error: CSRFError) -> Response:
    return render_error(
        400, "Your session expired or the form was tampered with. Reload the page and try again."
    )


def handle_server_error(error: InternalServerError) -> Response:
    """Roll back first, so the error page (and the next request) does not reuse a broken session."""
    db.session.rollback()
    return render_error(500)


def handle_refused_data(error: DataError) -> Response:
    """A value the column cannot hold (an id beyond its range, a NUL byte): the client's doing."""
    db.session.rollback()
    log.info("database refused a value: %s", error.orig)
    return render_error(400, "Part of the request is not a value this site can store or find.")


def handle_conflict(error: Conflict | StaleDataError | OperationalError) -> Response:
    """Someone else changed the same thing at the same moment: nothing was saved; say so."""
    db.session.rollback()
    return render_error(409, str(error) if isinstance(error, Conflict) else None)


def handle_unreachable_database(error: OperationalError) -> Response:
    """The database is down or dropped the connection: ask the client to come back shortly.

    The pool discards the broken connection (and pre-pings the next one), so the site recovers
    by itself when the database does. The page is drawn for an anonymous visitor: loading the
    signed-in user would need the very database that just failed.
    """
    if is_race(error):
        return handle_conflict(error)
    log.warning("database unreachable: %s", error.orig)
    try:
        db.session.rollback()
    except OperationalError:
        db.session.remove()
    g.setdefault("_login_user", login_manager.anonymous_user())
    response = render_error(503)
    response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    response.headers["Cache-Control"] = "no-store"
    return response


def release_session(_error: BaseException | None) -> None:
    """End the request's database session; a connection the database dropped after the answer
    was made is only logged (Flask-SQLAlchemy's own teardown would raise, turning the finished
    answer into a 500). Runs before that teardown, which then finds nothing left to close."""
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        log.warning("database connection lost at the end of a request: %s", error)
        db.session.registry.clear()


def register_error_handlers(app: Flask) -> None:
    app.teardown_appcontext(release_session)
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(DataError, handle_refused_data)
    app.register_error_handler(OperationalError, handle_unreachable_database)
    app.register_error_handler(Conflict, handle_conflict)
    app.register_error_handler(StaleDataError, handle_conflict)
