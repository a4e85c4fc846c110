"""/audit: the audit log (permission audit.read: admins and moderators), newest first,
filtered and paged through the URL.

Read-only by design: no route here (or anywhere) edits or deletes an entry; only the
`purge-audit` command removes old ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from roster.audit.actions import ACTIONS
from roster.audit.cli import purge_audit
from roster.audit.queries import AuditView, fetch_page
from roster.auth.permissions import Permission, permission_required
from roster.htmx import htmx, push_url
from roster.rendering import render
from roster.templating import as_utc

bp = Blueprint("audit", __name__, cli_group=None)
bp.cli.add_command(purge_audit)


@bp.app_template_filter("audit_time")
def audit_time(moment: datetime) -> str:
    return as_utc(moment).strftime("%-d %b %Y, %H:%M:%S UTC")


@bp.app_template_filter("audit_value")
def audit_value(value: Any) -> str:
    """An old or new value as the log shows it: nothing is a dash, booleans are yes and no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@bp.get("/audit")
@permission_required(Permission.AUDIT_READ)
def index() -> Response:
    view = AuditView.from_args(request.args)
    # A page cursor this site did not write is a 400 (roster.pagination.BadCursor).
    page = fetch_page(view, current_app.config["AUDIT_PER_PAGE"])
    response = render("audit/index.html", "results", view=view, page=page, actions=ACTIONS)
    if htmx().wants_fragment:
        # The address bar shows the filters that apply, without the empty or ignored ones.
        push_url(response, url_for("audit.index", **view.args()))
    return response
