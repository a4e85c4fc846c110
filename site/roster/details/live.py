"""A user's details page, live: when an audit entry names the user (an edit, a sign-in, a
revoked session, a moderated post), the whole `details` block is sent again and morphed in
place, so the viewer keeps scroll and focus. It reads a bounded number of rows per section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jinja2_fragments.flask import render_block

from roster.audit.models import AuditEntry
from roster.auth.permissions import Permission
from roster.details.views import PAGE, details_context
from roster.extensions import db
from roster.live.topics import Topic, watched_with
from roster.users.models import User


def render_details(entries: Sequence[AuditEntry], args: Mapping[str, str]) -> str:
    user_id = args.get("user", "")
    if not user_id.isascii() or not user_id.isdigit():
        return ""
    if not any(entry.target_id == int(user_id) for entry in entries):
        return ""
    user = db.session.get(User, int(user_id))
    if user is None:
        return ""
    details = render_block(PAGE, "details", **details_context(user))
    return (
        '<template hx type="partial" hx-target="#user-details" hx-swap="outerMorph">'
        f"{details}</template>"
    )


user_details = Topic("details", watched_with(Permission.USERS_READ), render_details)
