"""Sign in, sign out and register."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from roster.auth.access import safe_next
from roster.auth.forms import LoginForm, RegisterForm
from roster.rendering import render
from roster.users.service import (
    TAKEN_MESSAGES,
    DuplicateUserError,
    create_user,
    find_for_login,
    is_taken,
)

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong username, email or password."


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url, 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = find_for_login(form.username.data)
        if user is not None and user.check_password(form.password.data):
            start_session(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(next_url, 303)
        form.form_errors.append(LOGIN_FAILED)
    form.password.data = ""
    status = 422 if form.is_submitted() else 200
    return render("auth/login.html", "login_form", status=status, form=form, next_url=next_url)


def start_session(user, *, remember: bool) -> None:
    """Sign in on a fresh session, so that a session id planted before sign-in is worthless."""
    session.clear()
    login_user(user, remember=remember)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("pages.home"), 303)


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response:
    form = RegisterForm()
    if form.validate_on_submit():
        clashes = [field for field in ("username", "email") if is_taken(field, form[field].data)]
        for field in clashes:
            form[field].errors.append(TAKEN_MESSAGES[field])
        if not clashes:
            try:
                user = create_user(form.username.data, form.email.data, form.password.data)
            except DuplicateUserError as clash:
                form[clash.field].errors.append(str(clash))
            else:
                start_session(user, remember=False)
                flash(f"Welcome to Roster, {user.name}.", "success")
                return redirect(url_for("profiles.show", username=user.username), 303)
    status = 422 if form.is_submitted() else 200
    return render("auth/register.html", "register_form", status=status, form=form)
