"""Public profiles: who someone is and what they wrote."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, url_for
from sqlalchemy import func, select

from roster.extensions import db
from roster.posts.models import Post
from roster.posts.queries import latest_posts
from roster.rendering import render
from roster.users.models import User
from roster.users.service import live_users

bp = Blueprint("profiles", __name__)


@bp.get("/user/<username>")
def show(username: str) -> Response:
    user = db.session.scalar(
        live_users().where(User.is_active, func.lower(User.username) == username.lower())
    )
    if user is None:
        abort(404)
    if user.username != username:
        return redirect(url_for("profiles.show", username=user.username), 301)
    post_count = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == user.id)
    )
    return render(
        "profiles/profile.html",
        user=user,
        posts=latest_posts(author=user),
        post_count=post_count,
    )
