"""Moderating posts: every change here is written to the audit log in the same commit.

The entry's user is the post's author (what /audit and the details page filter by); the post
itself is named in the changes, since entries point at users, not posts.
"""

from __future__ import annotations

from roster.audit.service import record
from roster.extensions import db
from roster.posts.models import Post
from roster.users.models import User, utcnow


def post_label(post: Post) -> str:
    return f"#{post.id} {post.title}"


def hide_post(actor: User, post: Post, reason: str) -> None:
    """Hide `post` from everyone but its author and the moderators; hiding again changes the
    reason."""
    record(
        "post.hide",
        target=post.author,
        actor=actor,
        changes={"post": (None, post_label(post)), "reason": (post.hidden_reason, reason)},
    )
    post.hidden_at = utcnow()
    post.hidden_by_id = actor.id
    post.hidden_reason = reason
    db.session.commit()


def unhide_post(actor: User, post: Post) -> None:
    """Show `post` again; a post that is not hidden stays as it is, and nothing is recorded."""
    if not post.is_hidden:
        return
    record(
        "post.unhide",
        target=post.author,
        actor=actor,
        changes={"post": (None, post_label(post)), "reason": (post.hidden_reason, None)},
    )
    post.hidden_at = post.hidden_by_id = post.hidden_reason = None
    db.session.commit()
