"""Public profiles, and what their owner can change there: the card and the password."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, select

from roster.auth.limits import limit_failed_password_checks
from roster.extensions import db
from roster.htmx import htmx
from roster.posts.forms import PostForm
from roster.posts.models import Post
from roster.posts.queries import Cursor, post_page, requested_cursor
from roster.profiles.forms import WRONG_PASSWORD, PasswordForm, ProfileForm
from roster.rendering import render, render_fragment
from roster.users.models import User
from roster.users.service import (
    DuplicateUserError,
    commit_or_report_duplicate,
    hash_method,
    live_users,
    mark_taken,
)

bp = Blueprint("profiles", __name__)


def find_profile(username: str) -> User:
    """The active, live user named `username` without regard to case, or 404."""
    return db.first_or_404(
        live_users().where(User.is_active, func.lower(User.username) == username.lower())
    )


def own_profile(username: str) -> User:
    """The profile at `username`, if it is the signed-in user's own; 403 for anyone else's."""
    user = find_profile(username)
    if user.id != current_user.id:
        abort(403)
    return user


@bp.get("/user/<username>")
def show(username: str) -> Response:
    """The profile; `?before=` is a later page of posts (Load more asks for just its block)."""
    user = find_profile(username)
    if user.username != username:
        # Built from the path and the query string as sent: query arguments never reach
        # url_for (where `username`, `_external` or `_method` would change the URL).
        query = request.query_string.decode("latin-1")
        target = url_for("profiles.show", username=user.username)
        return redirect(f"{target}?{query}" if query else target, 301)
    before = requested_cursor()
    return render_profile(user, "post_page" if before else "content", before=before)


def render_profile(
    user: User,
    block: str = "content",
    *,
    status: int = 200,
    before: Cursor | None = None,
    post_form: PostForm | None = None,
) -> Response:
    """The profile page, or one of its blocks; its owner also gets the form to write a post."""
    if post_form is None and current_user.is_authenticated and current_user.id == user.id:
        post_form = PostForm(formdata=None)
    post_count = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == user.id)
    )
    return render(
        "profiles/profile.html",
        block,
        status=status,
        user=user,
        page=post_page(author=user, before=before),
        before=before,
        post_count=post_count,
        post_form=post_form,
    )


@bp.get("/user/<username>/edit")
@login_required
def edit(username: str) -> Response:
    user = own_profile(username)
    return render("profiles/edit.html", "profile_form", user=user, form=ProfileForm(obj=user))


@bp.route("/user/<username>", methods=["PUT", "POST"])
@login_required
def update(username: str) -> Response:
    """Save the card; htmx gets the card back and the nav (which shows the name) out of band."""
    user = own_profile(username)
    form = ProfileForm()
    if form.validate_on_submit() and save_profile(user, form):
        flash("Your profile is saved.", "success")
        if htmx().wants_fragment:
            # `saved`: the nav comes along out of band, and the focus goes back to Edit.
            return render_fragment("profiles/profile.html", "profile_card", user=user, saved=True)
        return redirect(url_for("profiles.show", username=user.username), 303)
    return render("profiles/edit.html", "profile_form", status=422, user=user, form=form)


def save_profile(user: User, form: ProfileForm) -> bool:
    """Apply and commit the form; an email another account has becomes a form error."""
    if mark_taken(form, ("email",), exclude_id=user.id):
        return False
    # A field the request left out keeps its value (email is required, so it is always there).
    for name in ("display_name", "email", "bio"):
        if name in request.form:
            setattr(user, name, form[name].data)
    try:
        # The unique index decides when two saves race past the check above.
        commit_or_report_duplicate()
    except DuplicateUserError as clash:
        form[clash.field].errors.append(str(clash))
        return False
    return True


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limit_failed_password_checks
def change_password() -> Response:
    """New password; this session stays signed in, every other session and cookie ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if user.check_password(form.current_password.data):
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            user.set_password(form.password.data, method=hash_method())
            user.rotate_session_token()
            db.session.commit()
            # Re-issue this session (and its remember cookie, if it had one) with the new token.
            login_user(user, remember=remembered in request.cookies)
            flash("Your password is changed. Other sessions are signed out.", "success")
            return redirect(url_for("profiles.show", username=user.username), 303)
        form.current_password.errors.append(WRONG_PASSWORD)
    status = 422 if form.is_submitted() else 200
    return render("account/password.html", "password_form", status=status, form=form)
