"""The user table, live: what other admins change shows in every open table within seconds.

Only the rows that changed travel, each morphed in place, so the viewer keeps the search,
sort, page, scroll position, focus and row selection; static/js/live.js leaves alone a row
the viewer is editing or deleting (`data-live-hold`). New users (created or restored) go on
top of the first page, flashed, whatever the sort, until the next reload sorts them in; rows
that no longer match (deleted, purged, or edited out of the search) disappear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import current_app
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import MultiDict

from roster.audit.models import AuditEntry
from roster.auth.permissions import Permission
from roster.extensions import db
from roster.live.topics import Topic, watched_with
from roster.users.models import User
from roster.users.queries import TableView, capped_count, fetch_page, filtered_users

TABLE = "users/index.html"
ADDED = {"user.create", "user.restore"}
RECOUNTED = {"user.create", "user.restore", "user.delete", "user.purge"}


def render_changes(entries: Sequence[AuditEntry], args: Mapping[str, str]) -> str:
    """The changed rows for a viewer of the table at `args`: one query, two with a new count,
    one more when users were added (which of them the first page holds)."""
    about = [e for e in entries if e.action.startswith("user.") and e.target_id is not None]
    if not about:
        return ""
    view = TableView.from_args(MultiDict(args))
    ids = {entry.target_id for entry in about}
    shown = {
        user.id: user for user in db.session.scalars(filtered_users(view).where(User.id.in_(ids)))
    }
    first_page = not (view.after or view.before)
    added = {e.target_id for e in about if e.action in ADDED and first_page} & shown.keys()
    if added:
        # Only those the first page holds now: a batch of 30 restored must not make it 55 long.
        per_page = current_app.config["USERS_PER_PAGE"]
        added &= {user.id for user in fetch_page(view, per_page).items}
    recount = any(entry.action in RECOUNTED for entry in about)
    return render_block(
        TABLE,
        "live_rows",
        changed=[user for user_id, user in sorted(shown.items()) if user_id not in added],
        added=[shown[user_id] for user_id in sorted(added, reverse=True)],
        gone=sorted(ids - shown.keys()),
        new_count=capped_count(view) if recount else None,
    )


user_table = Topic("users", watched_with(Permission.USERS_READ), render_changes)
