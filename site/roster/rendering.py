"""The one place that decides between a full page and the fragment htmx asked for."""

from __future__ import annotations

from typing import Any

from flask import Response, get_flashed_messages, make_response, render_template, request
from jinja2_fragments.flask import render_block

# Every header the choice below reads: caches must key on all of them.
VARY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Request-Type")


def wants_fragment() -> bool:
    """A plain htmx request gets a fragment; boosted, history-restore and full requests a page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and "HX-Boosted" not in headers
        and "HX-History-Restore-Request" not in headers
        and headers.get("HX-Request-Type") != "full"
    )


def render(
    template: str,
    block: str = "content",
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    """Render `template` whole, or only its `block` for an htmx request, with toasts out of band."""
    if wants_fragment():
        return render_fragment(template, block, status=status, **context)
    return vary(make_response(render_template(template, **context), status))


def render_fragment(template: str, block: str, *, status: int = 200, **context: Any) -> Response:
    """Render only `block`: for answers that exist only as fragments (a table row, a form)."""
    body = render_block(template, block, **context)
    if toasts := get_flashed_messages(with_categories=True):
        body += render_template("components/toasts.html", toasts=toasts, oob=True)
    return vary(make_response(body, status))


def vary(response: Response) -> Response:
    response.vary.update(VARY_HEADERS)
    return response
