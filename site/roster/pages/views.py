"""Public pages: home and about."""

from __future__ import annotations

from flask import Blueprint, Response

from roster.posts.queries import latest_posts
from roster.rendering import render

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Response:
    return render("pages/home.html", posts=latest_posts())


@bp.get("/about")
def about() -> Response:
    return render("pages/about.html")
