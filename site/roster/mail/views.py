"""/_mail: the development outbox in the browser; debug only (404 elsewhere).

The blueprint is always registered, so that the catalog can build its links; each request
outside debug is refused before it reaches a view.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, make_response

from roster.mail import outbox
from roster.rendering import render

bp = Blueprint("outbox", __name__, url_prefix="/_mail")

# The HTML part runs in a sandboxed frame: no scripts, no forms, only its own inline styles.
HTML_PART_POLICY = (
    "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@bp.before_request
def debug_only() -> None:
    if not current_app.debug:
        abort(404)


@bp.get("")
def index() -> Response:
    return render("outbox/index.html", "outbox", messages=outbox.kept_messages())


@bp.get("/<name>")
def message(name: str) -> Response:
    return render("outbox/message.html", "kept_message", message=_find(name))


@bp.get("/<name>/html")
def html_part(name: str) -> Response:
    """The message's HTML part as it is, for the frame on the message page."""
    response = make_response(_find(name).part("html"))
    response.headers["Content-Security-Policy"] = HTML_PART_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _find(name: str) -> outbox.KeptMessage:
    kept = outbox.find(name)
    if kept is None:
        abort(404)
    return kept
