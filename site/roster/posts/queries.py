"""Reading posts: newest first, with their authors loaded in the same query, a page at a time."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import contains_eager

from roster.auth.permissions import Permission, has_permission
from roster.extensions import db
from roster.pagination import Page, keyset_page
from roster.posts.models import Post
from roster.users.models import User


def live_posts() -> Select[tuple[Post]]:
    """Posts not deleted whose author is active and not deleted, each with its author from
    the same join, and posts kept without an author (their author deleted the account)."""
    return (
        select(Post)
        .outerjoin(Post.author)
        .where(
            Post.deleted_at.is_(None),
            or_(Post.author_id.is_(None), and_(User.deleted_at.is_(None), User.is_active)),
        )
        .options(contains_eager(Post.author))
    )


def seen_by(viewer: Any) -> ColumnElement[bool]:
    """Which posts `viewer` sees: hidden ones only if they wrote them or moderate posts.

    `viewer` None is the public (the home feed, whoever is signed in).
    """
    if viewer is not None and has_permission(viewer, Permission.POSTS_MODERATE):
        return true()
    if viewer is not None and viewer.is_authenticated:
        return or_(Post.hidden_at.is_(None), Post.author_id == viewer.id)
    return Post.hidden_at.is_(None)


def visible_posts(viewer: Any = None) -> Select[tuple[Post]]:
    """The live posts `viewer` may see (the public's by default)."""
    return live_posts().where(seen_by(viewer))


def post_page(
    author: User | None = None,
    *,
    viewer: Any = None,
    after: str | None = None,
    before: str | None = None,
) -> Page[Post]:
    """One page of posts (everyone's, or one author's) that `viewer` sees, newest first."""
    query = visible_posts(viewer)
    if author is not None:
        query = query.where(Post.author_id == author.id)
    return keyset_page(
        query,
        (Post.created_at, Post.id),
        per_page=current_app.config["POSTS_PER_PAGE"],
        descending=True,
        after=after,
        before=before,
    )


def count_posts(author: User, viewer: Any = None) -> int:
    """How many of `author`'s posts `viewer` sees (the public's count by default)."""
    query = (
        select(func.count())
        .select_from(Post)
        .where(Post.author_id == author.id, Post.deleted_at.is_(None), seen_by(viewer))
    )
    return db.session.scalar(query) or 0


def newest_posts_of(author: User, limit: int) -> list[Post]:
    """The author's newest posts, hidden ones too, whatever the account's state: for staff.
    Deleted ones are not shown (they wait only for Undo)."""
    query = (
        select(Post)
        .join(Post.author)
        .where(Post.author_id == author.id, Post.deleted_at.is_(None))
        .options(contains_eager(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
