"""One post on its own page."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from roster.extensions import db
from roster.posts.models import Post
from roster.posts.queries import visible_posts
from roster.rendering import render

bp = Blueprint("posts", __name__)


@bp.get("/post/<int:post_id>")
def show(post_id: int) -> Response:
    post = db.session.scalar(visible_posts().where(Post.id == post_id))
    if post is None:
        abort(404)
    return render("posts/post.html", post=post)
