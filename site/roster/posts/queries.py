"""Reading posts: newest first, with their authors loaded in the same query, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from roster.extensions import MAX_ID, db
from roster.posts.models import Post
from roster.templating import as_utc
from roster.users.models import User

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class BadCursor(ValueError):
    """A `before` value that this site did not write."""


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also says yes to "²" and "٣", which int() refuses."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the (created_at, id) of its last post, newest first.

    Keyset paging on this pair never repeats or skips a post when others are added or
    deleted between requests, which an offset would. Written as `<microseconds>-<id>`.
    """

    created_at: datetime
    id: int

    @classmethod
    def after(cls, post: Post) -> Cursor:
        return cls(as_utc(post.created_at), post.id)

    @classmethod
    def parse(cls, text: str) -> Cursor:
        micros, sep, post_id = text.partition("-")
        if not (sep and is_number(micros) and is_number(post_id)) or len(micros) > 17:
            raise BadCursor(text)
        if int(post_id) > MAX_ID:
            raise BadCursor(text)
        return cls(EPOCH + int(micros) * MICROSECOND, int(post_id))

    def __str__(self) -> str:
        return f"{(self.created_at - EPOCH) // MICROSECOND}-{self.id}"


@dataclass(frozen=True)
class PostPage:
    posts: Sequence[Post]
    next_cursor: Cursor | None


def visible_posts():
    """Posts whose author is active and not deleted, each with its author joined in."""
    return (
        select(Post)
        .join(Post.author)
        .where(User.deleted_at.is_(None), User.is_active)
        .options(joinedload(Post.author))
    )


def post_page(author: User | None = None, before: Cursor | None = None) -> PostPage:
    """One page of posts (everyone's, or one author's) older than `before`, newest first."""
    query = visible_posts()
    if author is not None:
        query = query.where(Post.author_id == author.id)
    if before is not None:
        query = query.where(
            or_(
                Post.created_at < before.created_at,
                and_(Post.created_at == before.created_at, Post.id < before.id),
            )
        )
    limit = current_app.config["POSTS_PER_PAGE"]
    # One extra row tells whether there is a next page, without a count.
    query = query.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit + 1)
    posts = db.session.scalars(query).all()
    if len(posts) > limit:
        return PostPage(posts[:limit], Cursor.after(posts[limit - 1]))
    return PostPage(posts, None)


def requested_cursor() -> Cursor | None:
    """The `before` query argument; a malformed one is a bad request, not the first page."""
    text = request.args.get("before")
    if text is None:
        return None
    try:
        return Cursor.parse(text)
    except BadCursor:
        abort(400)
