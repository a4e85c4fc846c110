"""The one place that turns a template into an answer: a full page, or the fragments htmx asked for.

A view names its template, the block that htmx swaps in, and any blocks that travel with it out
of band (each such block carries its own `hx-swap-oob`); flashed messages always travel as
toasts. Views never branch on the kind of request to pick a template: `render` does, and
`render_or_redirect` does for answers to a change (htmx gets the fragments, a plain form a 303).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, flash, get_flashed_messages, make_response, redirect, render_template
from jinja2_fragments.flask import render_block, render_blocks

from roster.htmx import htmx, location, vary

TOASTS = "components/toasts_oob.html"
# An undo toast outlives the ordinary ones (roster.js reads data-lifetime).
UNDO_LIFETIME_MS = 15_000


def render(
    template: str,
    block: str = "content",
    *,
    oob: Sequence[str] = (),
    status: int = 200,
    **context: Any,
) -> Response:
    """Render `template` whole, or for a plain htmx request its `block` plus the `oob` blocks."""
    if htmx().wants_fragment:
        return render_fragment(template, block, oob=oob, status=status, **context)
    return vary(make_response(render_template(template, **context), status))


def render_fragment(
    template: str,
    block: str,
    *,
    oob: Sequence[str] = (),
    status: int = 200,
    **context: Any,
) -> Response:
    """Render only `block` and the `oob` blocks: for answers that exist only as fragments."""
    if oob:
        body = render_blocks(template, [block, *oob], **context)
    else:
        body = render_block(template, block, **context)
    if toasts := get_flashed_messages(with_categories=True):
        body += render_template(TOASTS, toasts=toasts)
    return vary(make_response(body, status))


def render_or_redirect(
    url: str,
    template: str,
    block: str,
    *,
    oob: Sequence[str] = (),
    **context: Any,
) -> Response:
    """The answer to a change: the fragments for htmx, or a 303 to `url` for a plain form.

    Flashed messages reach the user either way: as out-of-band toasts, or on the next page.
    """
    if htmx().wants_fragment:
        return render_fragment(template, block, oob=oob, **context)
    return vary(redirect(url, 303))


def redirect_whole_page(url: str, *, replace: bool = False) -> Response:
    """Leave for `url` where the whole page changes (sign-in, sign-up: the nav, the CSRF token;
    a deleted post: its page is gone).

    htmx loads the page into <body> (HX-Location; roster.js takes the new token from it), so it
    updates without a reload, in a new history entry or (`replace`) in place of this one; a
    plain form gets a 303.
    """
    if htmx().wants_fragment:
        return location(url, target="body", replace=replace)
    return vary(redirect(url, 303))


def flash_undo(text: str, action: str, *, toast_id: str, target: str) -> None:
    """A success toast whose Undo button posts to `action` (htmx swaps the answer into
    `target`; a plain form follows its redirect), shown for UNDO_LIFETIME_MS."""
    message = {"text": text, "action": action, "label": "Undo", "id": toast_id}
    flash({**message, "lifetime": UNDO_LIFETIME_MS, "target": target}, "success")
