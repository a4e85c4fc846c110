"""Two-factor sign-in: set it up or turn it off (/account/mfa), and the code step of
signing in (/login/mfa), which follows a right password when the account has it on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from roster.audit.service import record
from roster.auth.access import safe_next
from roster.auth.limits import client_address_key, limit_failures, signed_in_user_key
from roster.auth.service import start_session
from roster.extensions import db
from roster.htmx import client_redirect, htmx, vary
from roster.mfa import pending, policy
from roster.mfa.forms import CodeForm, TurnOffForm
from roster.mfa.service import (
    RECOVERY,
    pending_setup,
    recovery_codes_left,
    spend_code,
    turn_off,
    turn_on,
)
from roster.rendering import redirect_whole_page, render, render_or_redirect
from roster.submission import form_status, submit
from roster.users.models import User

bp = Blueprint("mfa", __name__)

ACCOUNT = "mfa/account.html"
SIGN_IN = "mfa/sign_in.html"
TOO_MANY_CODES = "Too many wrong codes. Please wait a few minutes and try again."
SIGN_IN_AGAIN = "That sign-in took too long. Please enter your password again."
# What an admin who must set up two-factor sign-in may still reach (REQUIRE_ADMIN_MFA).
OPEN_DURING_SETUP = frozenset(
    {"mfa.account", "mfa.sign_in_code", "auth.logout", "auth.login", "static", "health.healthz"}
)


def pending_account_key() -> str:
    """The account half signed in on this browser; the address when there is none."""
    user_id = pending.pending_user_id()
    return f"mfa:{user_id}" if user_id is not None else client_address_key()


# ---- the account page ----------------------------------------------------------------------


def account_context(user: User, form: Any = None, **extra: Any) -> dict[str, Any]:
    """The panel in the state `user` is in: setting up, or on (with the turn-off form)."""
    next_url = request.args.get("next")
    context: dict[str, Any] = {
        "user": user,
        "next_url": safe_next(next_url) if next_url else None,
        "required": policy.required(user),
        **extra,
    }
    if user.mfa_enabled:
        context.update(form=form or TurnOffForm(), codes_left=recovery_codes_left(user))
    else:
        context.update(form=form or CodeForm(), setup=pending_setup(user))
    return context


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
@limit_failures(("MFA_RATE_LIMIT", signed_in_user_key))
def account() -> Response:
    user = current_user._get_current_object()
    if user.mfa_enabled:
        return turn_off_answer(user)
    return turn_on_answer(user)


def turn_on_answer(user: User) -> Response:
    """Recovery codes are shown in the answer itself: they are never shown again."""
    form = CodeForm()
    if form.validate_on_submit() and (codes := submit(form, turn_on, user, form.code.data)):
        flash("Two-factor sign-in is on.", "success")
        return render(ACCOUNT, "mfa_panel", **account_context(user, codes=codes))
    return render(ACCOUNT, "mfa_panel", status=form_status(form), **account_context(user, form))


def turn_off_answer(user: User) -> Response:
    form = TurnOffForm()
    if form.validate_on_submit():
        if policy.required(user):
            form.form_errors.append(policy.CANNOT_TURN_OFF)
        elif submit(form, turn_off, user, form.password.data, form.code.data):
            flash("Two-factor sign-in is off.", "success")
            return render_or_redirect(
                url_for("mfa.account"), ACCOUNT, "mfa_panel", **account_context(user)
            )
    return render(ACCOUNT, "mfa_panel", status=form_status(form), **account_context(user, form))


@bp.before_app_request
def send_admins_to_setup() -> Response | None:
    """REQUIRE_ADMIN_MFA: an admin without two-factor sign-in sets it up before anything else."""
    if not current_app.config["REQUIRE_ADMIN_MFA"] or request.endpoint in OPEN_DURING_SETUP:
        return None
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    if not policy.setup_required(current_user):
        return None
    here = htmx().current_path or request.full_path.rstrip("?")
    target = url_for("mfa.account", next=here if request.method == "GET" else None)
    if htmx().is_htmx:
        return client_redirect(target)
    return vary(redirect(target, 303))


# ---- signing in ----------------------------------------------------------------------------


@bp.route("/login/mfa", methods=["GET", "POST"])
@limit_failures(("MFA_RATE_LIMIT", pending_account_key))
def sign_in_code() -> Response:
    """The second step: a code from the app, or a recovery code; then the session starts."""
    waiting = pending.pending()
    if waiting is None:
        if current_user.is_authenticated:
            return redirect(url_for("pages.home"), 303)
        pending.forget()
        flash(SIGN_IN_AGAIN, "info")
        # As any page that needs a sign-in: htmx is told to load the sign-in page.
        if htmx().is_htmx:
            return client_redirect(url_for("auth.login"))
        return vary(redirect(url_for("auth.login"), 303))
    user = waiting.user
    form = CodeForm()
    if form.validate_on_submit():
        kind = submit(form, spend_code, user, form.code.data)
        if kind is not None:
            record("auth.sign_in", target=user, actor=user)
            # Commits the code's use and the entries with the new session record.
            start_session(user, remember=waiting.remember)
            flash(f"Welcome back, {user.name}.", "success")
            if kind == RECOVERY:
                left = recovery_codes_left(user)
                flash(
                    f"You used a recovery code: {left} left. Each works once; turn two-factor "
                    "sign-in off and on again for new ones.",
                    "info",
                )
            return redirect_whole_page(safe_next(waiting.next_url))
        record("mfa.code_failed", target=user)
        db.session.commit()
    return sign_in_form(form, status=form_status(form))


def sign_in_form(form: CodeForm, *, status: int) -> Response:
    return render(SIGN_IN, "mfa_sign_in_form", status=status, form=form)


@bp.errorhandler(TooManyRequests)
def too_many_codes(error: TooManyRequests) -> Response:
    if request.endpoint == "mfa.sign_in_code":
        form = CodeForm()
        form.form_errors.append(TOO_MANY_CODES)
        return sign_in_form(form, status=429)
    user = current_user._get_current_object()
    form = TurnOffForm() if user.mfa_enabled else CodeForm()
    form.form_errors.append(TOO_MANY_CODES)
    return render(ACCOUNT, "mfa_panel", status=429, **account_context(user, form))
