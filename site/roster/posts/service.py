"""Writing posts: publishing (the one place a post is created), deleting and restoring.

Deleting is soft, like users, so that Undo brings a post back exactly. A deleted post keeps its
row with `deleted_at` set: every list and its own page leave it out
(`posts.queries.live_posts`) until its author or a moderator restores it, or
`purge-deleted` removes it for good. A moderator's delete or restore of someone else's post is
audited (`post.delete`, `post.restore`) in the same commit; an author's own is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from roster.audit.service import record
from roster.extensions import db
from roster.idempotency import Once, commit_once
from roster.moderation.service import post_label
from roster.posts.models import Post
from roster.users.models import User, utcnow


def publish(author: User, title: str, body: str, *, once: Once | None = None) -> Post:
    """Insert and commit a post; `once` (the form's key) makes a second sending create nothing."""
    post = Post(author_id=author.id, title=title, body=body)
    db.session.add(post)
    commit_once(once, post)
    return post


def delete_post(actor: User, post: Post) -> None:
    """Delete `post` (undoable: `restore_post`)."""
    if actor.id != post.author_id:
        changes = {"post": (post_label(post), None)}
        record("post.delete", target=post.author, actor=actor, changes=changes)
    post.deleted_at = utcnow()
    db.session.commit()


def restore_post(actor: User, post: Post) -> None:
    """Undo a delete; a post that is not deleted (any more) stays as it is, nothing recorded."""
    if post.deleted_at is None:
        return
    if actor.id != post.author_id:
        changes = {"post": (None, post_label(post))}
        record("post.restore", target=post.author, actor=actor, changes=changes)
    post.deleted_at = None
    db.session.commit()


def purge_posts(deleted_before: datetime) -> int:
    """Remove for good the posts deleted before `deleted_before`; how many went."""
    doomed = delete(Post).where(Post.deleted_at < deleted_before)
    purged = db.session.execute(doomed).rowcount
    db.session.commit()
    return purged
