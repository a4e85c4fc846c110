"""Public pages: home and about."""

from __future__ import annotations

from flask import Blueprint, Response

from roster.posts.queries import post_page, requested_cursor
from roster.rendering import render

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Response:
    """The latest posts; `?before=` is the next page (the Load more button asks for its block)."""
    before = requested_cursor()
    block = "post_page" if before else "content"
    return render("pages/home.html", block, page=post_page(before=before), before=before)


@bp.get("/about")
def about() -> Response:
    return render("pages/about.html")
