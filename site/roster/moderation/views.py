"""Hide and unhide a post (moderators and admins). Each answers htmx with the post's moderation
panel, swapped in place wherever the post is shown (its page, a profile, a user's details); a
plain form is sent back to the post's page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, url_for
from flask_login import current_user

from roster.auth.permissions import Permission, permission_required
from roster.moderation.forms import HideForm
from roster.moderation.service import hide_post, unhide_post
from roster.posts.models import HIDDEN_REASON_MAX_LENGTH, Post
from roster.posts.views import find_post
from roster.rendering import render, render_or_redirect

bp = Blueprint("moderation", __name__)

PANEL = "moderation/panel.html"


@bp.app_template_global()
def hidden_reason_max_length() -> int:
    return HIDDEN_REASON_MAX_LENGTH


def panel(post_id: int) -> Response:
    """The panel after a change: the post read again (the commit expired it)."""
    post = find_post(post_id)
    url = url_for("posts.show", post_id=post_id)
    return render_or_redirect(url, PANEL, "moderation_panel", post=post)


def refused(post: Post, form: HideForm) -> Response:
    return render(PANEL, "moderation_panel", status=422, post=post, hide_form=form)


@bp.post("/post/<int:post_id>/hide")
@permission_required(Permission.POSTS_MODERATE)
def hide(post_id: int) -> Response:
    post = find_post(post_id)
    form = HideForm()
    if not form.validate_on_submit():
        return refused(post, form)
    hide_post(current_user, post, form.reason.data)
    flash("The post is hidden. Its author sees why.", "success")
    return panel(post_id)


@bp.post("/post/<int:post_id>/unhide")
@permission_required(Permission.POSTS_MODERATE)
def unhide(post_id: int) -> Response:
    unhide_post(current_user, find_post(post_id))
    flash("The post is shown again.", "success")
    return panel(post_id)
