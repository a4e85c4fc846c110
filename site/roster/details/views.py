"""GET /users/<id>/details (users.read: admins and moderators): one user on one page.

Each section is read by the feature that owns it (sessions, posts, the audit log), a bounded
number of rows each, so the page costs the same few queries however busy the user is; the
audit log itself (/audit?user=<id>) pages through the rest.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from roster.audit.actions import ACTIONS
from roster.audit.queries import AuditView, fetch_page, sign_ins
from roster.auth.permissions import Permission, permission_required
from roster.extensions import db
from roster.posts.queries import newest_posts_of
from roster.rendering import render
from roster.sessions.views import sessions_context
from roster.users.models import User

bp = Blueprint("details", __name__)
PAGE = "details/user.html"


def details_context(user: User) -> dict[str, Any]:
    """Everything the page shows about `user` (also what its live stream sends again)."""
    shown = current_app.config["DETAILS_ROWS"]
    return {
        "user": user,
        "sign_ins": sign_ins(user.id, shown),
        "posts": newest_posts_of(user, shown),
        "history": fetch_page(AuditView(user=str(user.id)), shown),
        "actions": ACTIONS,
        **sessions_context(user, admin_view=True),
    }


@bp.get("/users/<int:user_id>/details")
@permission_required(Permission.USERS_READ)
def show(user_id: int) -> Response:
    return render(PAGE, **details_context(db.get_or_404(User, user_id)))
