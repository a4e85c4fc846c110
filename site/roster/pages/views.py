"""Public pages: home and about."""

from __future__ import annotations

from flask import Blueprint, Response, request

from roster.pagination import cursor_args
from roster.posts.queries import post_page
from roster.rendering import render

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Response:
    """The latest posts; `?after=` is a later page (Load more asks for just its block)."""
    cursors = cursor_args(request.args)
    block = "post_page" if any(cursors.values()) else "content"
    return render("pages/home.html", block, page=post_page(**cursors))


@bp.get("/about")
def about() -> Response:
    return render("pages/about.html")
