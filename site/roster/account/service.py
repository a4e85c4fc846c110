"""Deleting one's own account for good: the row goes, and with it everything that is theirs.

Unlike an admin's delete (a soft delete, undoable from the trash), this is what the owner asked
for: the user row, its sessions and two-factor secrets are removed at once. The posts are
deleted or kept without an author, as the owner chose. The audit log keeps its entries
(history is not rewritten), this deletion included.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from roster.audit.service import record
from roster.extensions import db
from roster.mfa.models import Authenticator, RecoveryCode
from roster.posts.models import Post
from roster.sessions.service import DELETED, NOTED, current_session, end_sessions, note_stale
from roster.users.models import User
from roster.users.rules import keep_an_active_admin

BULK = {"synchronize_session": False}


def delete_own_account(user: User, *, keep_posts: bool) -> User:
    """Remove `user` (commits) and hand it back detached; the last active admin is refused
    (`Refused`, nothing written), by the user table's guard."""
    was_admin = user.is_active_admin
    posts = db.session.scalar(select(func.count()).where(Post.author_id == user.id)) or 0
    outcome = "kept without a name" if keep_posts else "deleted"
    record("account.delete", target=user, actor=user, changes={"posts": (posts, outcome)})
    # Ended first, so that the session cache forgets them (the rows go with the user).
    end_sessions(user.id, DELETED)
    own_posts = Post.author_id == user.id
    if keep_posts:
        db.session.execute(update(Post).where(own_posts).values(author_id=None), **_bulk())
    else:
        db.session.execute(delete(Post).where(own_posts), **_bulk())
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id), **_bulk())
    db.session.execute(delete(Authenticator).where(Authenticator.user_id == user.id), **_bulk())
    db.session.execute(delete(User).where(User.id == user.id), **_bulk(noted=True))
    if was_admin:
        keep_an_active_admin()
    note_stale(db.session, user_ids=[user.id])
    # The request still holds the rows just deleted: detached, they are never reloaded.
    for row in (user, current_session()):
        if row is not None and row in db.session:
            db.session.expunge(row)
    db.session.commit()
    return user


def _bulk(*, noted: bool = False) -> dict:
    """Options of a bulk statement; `noted`: its cache entries are tombstoned by hand."""
    return {"execution_options": {**BULK, **({NOTED: True} if noted else {})}}
