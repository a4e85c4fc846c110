"""Sign in, sign out and register."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.exceptions import TooManyRequests

from roster.accounts.service import ask_to_confirm_new_account
from roster.audit.service import record
from roster.auth.access import safe_next
from roster.auth.forms import LoginForm, RegisterForm
from roster.auth.limits import limit_failed_sign_ins, limit_field_checks, limit_registrations
from roster.auth.service import authenticate, renew_session, start_session
from roster.extensions import db
from roster.mfa.pending import begin as begin_second_step
from roster.rendering import redirect_whole_page, render, render_fragment
from roster.sessions.service import end_current_session
from roster.submission import form_status, submit
from roster.users.service import NewUser, create_user, find_for_login

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Wrong username, email or password."
TOO_MANY_SIGN_INS = "Too many failed sign-ins. Please wait a minute and try again."
TOO_MANY_REGISTRATIONS = "Too many attempts from your network. Please try again later."
TOO_MANY_CHECKS = "Checking paused for a moment; it runs again when you submit."


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_sign_ins
def login() -> Response:
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url, 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None and user.mfa_enabled:
            # Not signed in yet: the code step (roster.mfa) starts the session.
            begin_second_step(user, remember=form.remember.data, next_url=next_url)
            return redirect_whole_page(url_for("mfa.sign_in_code"))
        if user is not None:
            # Written with the new session record, in the commit that opens it.
            record("auth.sign_in", target=user, actor=user)
            start_session(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect_whole_page(next_url)
        record("auth.sign_in_failed", target=find_for_login(form.username.data))
        db.session.commit()
        form.form_errors.append(LOGIN_FAILED)
    return login_form(form, next_url, status=form_status(form))


def login_form(form: LoginForm, next_url: str, *, status: int) -> Response:
    """The form again, username kept (a password field never echoes what was typed)."""
    return render("auth/login.html", "login_form", status=status, form=form, next_url=next_url)


@bp.post("/logout")
@login_required
def logout() -> Response:
    # The record ends first (with the audit entry, in one commit), so that a copy of either
    # cookie signs in nobody afterwards. Then renew: logout_user marks the remember-me cookie
    # for deletion in the new session.
    record("auth.sign_out", target=current_user._get_current_object())
    end_current_session()
    renew_session()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("pages.home"), 303)


@bp.route("/register", methods=["GET", "POST"])
@limit_registrations
def register() -> Response:
    form = RegisterForm()
    if form.validate_on_submit():
        new = NewUser(form.username.data, form.email.data, form.password.data)
        # A clash the form's checks missed (a race) comes back from the unique index as an error.
        if user := submit(form, create_user, None, new):
            start_session(user, remember=False)
            flash(f"Welcome to Roster, {user.name}.", "success")
            ask_to_confirm_new_account(user)
            return redirect_whole_page(url_for("profiles.show", username=user.username))
    return render("auth/register.html", "register_form", status=form_status(form), form=form)


@bp.post("/register/check/<any(username, email, password, confirm):name>")
@limit_field_checks
def check_field(name: str) -> Response:
    """One registration field checked as the user types: the same rules as on submit."""
    form = RegisterForm()
    form.check(name)
    return register_field(form, name)


def register_field(form: RegisterForm, name: str, *, status: int = 200) -> Response:
    return render_fragment(
        "auth/register.html", "register_field", status=status, form=form, field_name=name
    )


@bp.errorhandler(TooManyRequests)
def too_many_attempts(error: TooManyRequests) -> Response:
    """A rate limit answers inside the form the user is looking at, with a friendly word."""
    if request.endpoint == "auth.check_field":
        form = RegisterForm()
        name = (request.view_args or {})["name"]
        form[name].errors = [TOO_MANY_CHECKS]
        return register_field(form, name, status=429)
    if request.endpoint == "auth.register":
        form = RegisterForm()
        form.form_errors.append(TOO_MANY_REGISTRATIONS)
        return render("auth/register.html", "register_form", status=429, form=form)
    form = LoginForm()
    form.form_errors.append(TOO_MANY_SIGN_INS)
    return login_form(form, safe_next(request.values.get("next")), status=429)
