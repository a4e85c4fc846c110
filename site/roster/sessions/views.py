"""Where users see and end their signed-in sessions, and admins those of any user."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user, login_required
from ua_parser import parse

from roster.audit.service import record
from roster.auth.access import admin_required
from roster.extensions import db
from roster.rendering import render, render_or_redirect
from roster.sessions.service import (
    REVOKED,
    REVOKED_BY_ADMIN,
    current_session,
    end_session,
    end_sessions,
    open_sessions,
)
from roster.templating import as_utc
from roster.users.models import User

bp = Blueprint("sessions", __name__)

TEMPLATE = "sessions/index.html"
UNKNOWN = "Other"  # ua-parser's family when it does not recognise a browser or system


@lru_cache(maxsize=1024)
def device_name(user_agent: str) -> str:
    """'Chrome 131 on Linux' from a User-Agent header, as far as ua-parser recognises it."""
    result = parse(user_agent).with_defaults() if user_agent else None
    if result is None or result.user_agent.family == UNKNOWN:
        browser = "Unknown browser"
    else:
        browser = " ".join(filter(None, (result.user_agent.family, result.user_agent.major)))
    if result is None or result.os.family == UNKNOWN:
        return browser
    return f"{browser} on {result.os.family}"


def moment(value: datetime) -> str:
    """'1 Dec 2026, 23:52 UTC': a last-seen time needs the hour, not just the day."""
    return as_utc(value).strftime("%-d %b %Y, %H:%M UTC")


def record_revoked(owner: User, session_ids: list[int]) -> None:
    """One audit entry per revocation, naming the sessions it ended (none: nothing to record)."""
    if session_ids:
        record(
            "session.revoke",
            target=owner,
            changes={"sessions": (sorted(session_ids), "signed out")},
        )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---- the signed-in user's own sessions ------------------------------------------------------


def sessions_context(owner: User, *, admin_view: bool) -> dict[str, Any]:
    """What the sessions list needs: `owner`'s open sessions, this browser's marked.

    `admin_view`: an admin looks at someone's sessions (the user details page can include it).
    """
    current = current_session()
    return {
        "owner": owner,
        "sessions": open_sessions(owner.id),
        "current_id": current.id if current else None,
        "admin_view": admin_view,
    }


def own_sessions() -> dict[str, Any]:
    return sessions_context(current_user, admin_view=False)


def own_list() -> Response:
    return render_or_redirect(url_for("sessions.index"), TEMPLATE, "session_list", **own_sessions())


@bp.get("/account/sessions")
@login_required
def index() -> Response:
    return render(TEMPLATE, "session_list", **own_sessions())


@bp.post("/account/sessions/<int:session_id>/revoke")
@login_required
def revoke(session_id: int) -> Response:
    """Sign out one other session; this one ends with Sign out, and others' are not found."""
    current = current_session()
    if current is None or session_id == current.id:
        abort(404)
    if not end_session(current_user.id, session_id, REVOKED):
        abort(404)
    record_revoked(current_user._get_current_object(), [session_id])
    db.session.commit()
    flash("That session is signed out.", "success")
    return own_list()


@bp.post("/account/sessions/revoke-others")
@login_required
def revoke_others() -> Response:
    current = current_session()
    ended = end_sessions(current_user.id, REVOKED, keep=current.id if current else None)
    record_revoked(current_user._get_current_object(), ended)
    db.session.commit()
    flash(f"Signed out {plural(len(ended), 'other session')}.", "success")
    return own_list()


# ---- admins: any user's sessions ------------------------------------------------------------


def user_list(user: User) -> Response:
    return render_or_redirect(
        url_for("sessions.user_sessions", user_id=user.id),
        TEMPLATE,
        "session_list",
        **sessions_context(user, admin_view=True),
    )


@bp.get("/users/<int:user_id>/sessions")
@admin_required
def user_sessions(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    return render(TEMPLATE, "session_list", **sessions_context(user, admin_view=True))


@bp.post("/users/<int:user_id>/sessions/<int:session_id>/revoke")
@admin_required
def revoke_for_user(user_id: int, session_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if not end_session(user.id, session_id, REVOKED_BY_ADMIN):
        abort(404)
    record_revoked(user, [session_id])
    db.session.commit()
    flash(f"Signed out one session of {user.username}.", "success")
    return user_list(user)


@bp.post("/users/<int:user_id>/sessions/revoke-all")
@admin_required
def revoke_all_for_user(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    ended = end_sessions(user.id, REVOKED_BY_ADMIN)
    record_revoked(user, ended)
    db.session.commit()
    flash(f"Signed out {plural(len(ended), 'session')} of {user.username}.", "success")
    return user_list(user)
