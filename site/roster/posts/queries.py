"""Reading posts: newest first, with their authors loaded in the same query."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from roster.extensions import db
from roster.posts.models import Post
from roster.users.models import User


def visible_posts():
    """Posts whose author is active and not deleted, each with its author joined in."""
    return (
        select(Post)
        .join(Post.author)
        .where(User.deleted_at.is_(None), User.is_active)
        .options(joinedload(Post.author))
    )


def latest_posts(author: User | None = None) -> Sequence[Post]:
    query = visible_posts()
    if author is not None:
        query = query.where(Post.author_id == author.id)
    limit = current_app.config["POSTS_PER_PAGE"]
    query = query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)
    return db.session.scalars(query).all()
