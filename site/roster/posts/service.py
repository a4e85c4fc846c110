"""Writing posts: the one place a post is created."""

from __future__ import annotations

from roster.extensions import db
from roster.idempotency import Once, commit_once
from roster.posts.models import Post
from roster.users.models import User


def publish(author: User, title: str, body: str, *, once: Once | None = None) -> Post:
    """Insert and commit a post; `once` (the form's key) makes a second sending create nothing."""
    post = Post(author_id=author.id, title=title, body=body)
    db.session.add(post)
    commit_once(once, post)
    return post
