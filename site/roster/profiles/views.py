"""Public profiles, and what their owner can change there: the card and the password."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func

from roster.accounts.service import (
    ask_to_confirm_email_change,
    needs_confirmation,
    tell_password_changed,
)
from roster.audit.service import record
from roster.auth.limits import limit_failed_password_checks
from roster.conflicts import rebase
from roster.extensions import db
from roster.pagination import cursor_args
from roster.posts.forms import PostForm
from roster.profiles.forms import WRONG_PASSWORD, PasswordForm, ProfileForm
from roster.profiles.queries import profile_context
from roster.rendering import render, render_or_redirect
from roster.sessions.service import current_session, sign_in
from roster.submission import form_status
from roster.users.models import User
from roster.users.queries import live_users
from roster.users.service import StaleVersionError, hash_method, mark_taken, unchanged_since

bp = Blueprint("profiles", __name__)
EDIT = "profiles/edit.html"
# The profile form's fields, in the order a conflict lists those that differ.
EDITED = ("display_name", "email", "bio")
NO_VERSION = "This form does not say which version of your profile it edits: reload it."


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
    """The profile; `?after=` is a later page of posts (Load more asks for just its block)."""
    user = find_profile(username)
    if user.username != username:
        # Built from the path and the query string as sent: query arguments never reach
        # url_for (where `username`, `_external` or `_method` would change the URL).
        query = request.query_string.decode("latin-1")
        target = url_for("profiles.show", username=user.username)
        return redirect(f"{target}?{query}" if query else target, 301)
    cursors = cursor_args(request.args)
    # Its owner also gets the form to write a post.
    own = current_user.is_authenticated and current_user.id == user.id
    context = profile_context(user, post_form=PostForm(formdata=None) if own else None, **cursors)
    block = "post_page" if any(cursors.values()) else "content"
    return render("profiles/profile.html", block, **context)


@bp.get("/user/<username>/edit")
@login_required
def edit(username: str) -> Response:
    user = own_profile(username)
    return render(EDIT, "profile_form", user=user, form=ProfileForm(formdata=None, obj=user))


@bp.route("/user/<username>", methods=["PUT", "POST"])
@login_required
def update(username: str) -> Response:
    """Save the card; htmx gets the card back and the nav (which shows the name) out of band.

    A save over a version someone else (another tab, an admin) saved meanwhile is a conflict:
    the form comes back as typed with both sides (409), to keep mine or take theirs.
    """
    user = own_profile(username)
    form = ProfileForm()
    try:
        saved = form.validate_on_submit() and save_profile(user, form)
    except StaleVersionError:
        conflict = rebase(form, ProfileForm(formdata=None, obj=user), EDITED)
        return render(EDIT, "profile_form", status=409, user=user, form=form, conflict=conflict)
    if saved:
        flash("Your profile is saved.", "success")
        return render_or_redirect(
            url_for("profiles.show", username=user.username),
            "profiles/profile.html",
            "profile_card",
            oob=["site_nav"],
            user=user,
            focus_edit=True,
        )
    if form.version.errors:
        form.form_errors.append(NO_VERSION)
    return render(EDIT, "profile_form", status=422, user=user, form=form)


def save_profile(user: User, form: ProfileForm) -> bool:
    """Apply and commit the form, made on its version; an email another account has becomes
    a form error, a newer version StaleVersionError.

    A new address is only asked for here: it takes effect when its link is followed
    (roster.accounts), where the unique index has the last word.
    """
    if mark_taken(form, ("email",), exclude_id=user.id):
        return False
    with unchanged_since(user, form.version.data):
        # A field the request left out keeps its value (email is required, so always there).
        for name in ("display_name", "bio"):
            if name in request.form:
                setattr(user, name, form[name].data)
        # Only a change of letter case applies at once, to the same key: no account can clash.
        new_address = needs_confirmation(user, form.email.data)
        db.session.commit()
    if new_address:
        # A new address takes effect when its owner follows the link mailed to it.
        ask_to_confirm_email_change(user, form.email.data)
    return True


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limit_failed_password_checks
def change_password() -> Response:
    """New password: every session ends (roster.sessions); this browser signs in on a new one."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if user.check_password(form.current_password.data):
            current = current_session()
            user.set_password(form.password.data, method=hash_method())
            record("password.change", target=user)
            db.session.commit()
            # A copy of this browser's cookies dies with the rest; it keeps "remember me".
            sign_in(user, remember=bool(current and current.remember))
            flash("Your password is changed. Other sessions are signed out.", "success")
            tell_password_changed(user)
            return redirect(url_for("profiles.show", username=user.username), 303)
        form.current_password.errors.append(WRONG_PASSWORD)
    return render("account/password.html", "password_form", status=form_status(form), form=form)
