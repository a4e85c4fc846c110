"""Everything Roster keeps about one user, as JSON-ready data: the "download my data" file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.posts.models import Post
from roster.sessions.models import UserSession
from roster.templating import as_utc
from roster.users.models import User, utcnow


def when(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def personal_data(user: User) -> dict[str, Any]:
    """Profile, posts, sessions and the audit entries about `user`: four queries.

    No secret is in it: no password hash, no session secret, no two-factor key or code.
    """
    return {
        "exported_at": when(utcnow()),
        "profile": {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "email_confirmed_at": when(user.email_verified_at),
            "display_name": user.display_name,
            "bio": user.bio,
            "role": user.role,
            "active": user.is_active,
            "two_factor_since": when(user.mfa_enabled_at),
            "created_at": when(user.created_at),
            "updated_at": when(user.updated_at),
        },
        "posts": [
            {
                "id": post.id,
                "title": post.title,
                "body": post.body,
                "created_at": when(post.created_at),
                "updated_at": when(post.updated_at),
                # Deleted posts are kept for Undo until purge-deleted: theirs all the same.
                "deleted_at": when(post.deleted_at),
            }
            for post in db.session.scalars(
                select(Post).where(Post.author_id == user.id).order_by(Post.created_at, Post.id)
            )
        ],
        "sessions": [
            {
                "id": record.id,
                "created_at": when(record.created_at),
                "last_seen_at": when(record.last_seen_at),
                "address": record.ip_address,
                "browser": record.user_agent,
                "remember_me": record.remember,
                "ended_at": when(record.ended_at),
                "end_reason": record.end_reason,
            }
            for record in db.session.scalars(
                select(UserSession)
                .where(UserSession.user_id == user.id)
                .order_by(UserSession.created_at, UserSession.id)
            )
        ],
        "audit": [
            {
                "at": when(entry.created_at),
                "action": entry.action,
                "by": entry.actor_name,
                "changes": entry.changes,
                "address": entry.address,
            }
            for entry in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_id == user.id)
                .order_by(AuditEntry.created_at, AuditEntry.id)
            )
        ],
    }
