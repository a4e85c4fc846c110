"""Reading posts: newest first, with their authors loaded in the same query, a page at a time."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from roster.extensions import db
from roster.pagination import Page, keyset_page
from roster.posts.models import Post
from roster.users.models import User


def visible_posts() -> Select[tuple[Post]]:
    """Posts whose author is active and not deleted, each with its author from the same join,
    and posts kept without an author (their author deleted the account)."""
    return (
        select(Post)
        .outerjoin(Post.author)
        .where(or_(Post.author_id.is_(None), and_(User.deleted_at.is_(None), User.is_active)))
        .options(contains_eager(Post.author))
    )


def post_page(
    author: User | None = None, *, after: str | None = None, before: str | None = None
) -> Page[Post]:
    """One page of posts (everyone's, or one author's), newest first, beside a cursor."""
    query = visible_posts()
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


def count_posts(author: User) -> int:
    query = select(func.count()).select_from(Post).where(Post.author_id == author.id)
    return db.session.scalar(query) or 0
