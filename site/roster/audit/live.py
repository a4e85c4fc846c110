"""The audit log, live: new entries that match the viewer's filters appear on top of the first
page (an older page stays as it is: the log never changes, it only grows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jinja2_fragments.flask import render_block

from roster.audit.actions import ACTIONS
from roster.audit.models import AuditEntry
from roster.audit.queries import AuditView, filtered_entries
from roster.auth.permissions import Permission
from roster.extensions import db
from roster.live.topics import Topic, watched_with


def render_entries(entries: Sequence[AuditEntry], args: Mapping[str, str]) -> str:
    view = AuditView.from_args(args)
    if view.older:
        return ""
    matching = db.session.scalars(
        filtered_entries(view)
        .where(AuditEntry.id.in_([entry.id for entry in entries]))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    if not matching:
        return ""
    return render_block("audit/index.html", "live_entries", entries=matching, actions=ACTIONS)


audit_log = Topic("audit", watched_with(Permission.AUDIT_READ), render_entries)
