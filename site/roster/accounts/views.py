"""The account links: forgot and reset a password, confirm an email address, accept an invite.

Each link carries a signed token (roster.accounts.tokens). A link that is tampered with, too
old or already used answers with a page that says so and what to do next (4xx), never a 5xx.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from roster.accounts import mails
from roster.accounts.forms import ForgotPasswordForm, NewPasswordForm
from roster.accounts.service import (
    confirm_email,
    report,
    request_password_reset,
    set_new_password,
)
from roster.accounts.tokens import BAD, EXPIRED, TAKEN, USED, LinkProblem, Purpose, check_token
from roster.audit.service import record
from roster.auth.access import admin_required
from roster.auth.limits import client_address_key, configured
from roster.extensions import db, limiter
from roster.rendering import redirect_whole_page, render, render_or_redirect
from roster.submission import form_status
from roster.users.models import User
from roster.users.service import DuplicateUserError, live_users

bp = Blueprint("accounts", __name__)

TOO_MANY_RESETS = "Too many requests from your network. Please try again later."
# What went wrong with a link, per kind of link: (status, title, explanation).
LINK_PROBLEMS = {
    BAD: (400, "This link does not work", "It may have been cut short or changed on the way."),
    EXPIRED: (410, "This link has expired", "Links in our emails work for a limited time."),
    USED: (410, "This link was already used", "Each link in our emails works once."),
    TAKEN: (409, "This address is taken", "Another account uses this email address now."),
}
NEXT_STEPS = {
    Purpose.RESET: "Ask for a new link to reset your password.",
    Purpose.VERIFY: "Sign in and ask for a new confirmation link from your profile.",
    Purpose.INVITE: "Ask the administrator who invited you to send a new invitation.",
}


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    configured("PASSWORD_RESET_RATE_LIMIT"), key_func=client_address_key, methods=["POST"]
)
def forgot_password() -> Response:
    """The same answer whether or not an account matches: the page never tells who exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        return render("accounts/forgot.html", "forgot_form", form=form, sent=True)
    return render("accounts/forgot.html", "forgot_form", status=form_status(form), form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    return choose_password(Purpose.RESET, token)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> Response:
    return choose_password(Purpose.INVITE, token)


def choose_password(purpose: Purpose, token: str) -> Response:
    """The form behind a reset or invite link; saved, it sends the user on to sign in."""
    user = check_token(purpose, token).user
    form = NewPasswordForm()
    if form.validate_on_submit():
        if purpose is Purpose.RESET:
            # The link's holder acts as the owner: it reached the owner's mailbox.
            record("password.reset", target=user, actor=user)
        set_new_password(user, form.password.data)
        if purpose is Purpose.RESET:
            mails.password_changed(user).send()
            flash("Your password is changed, and every session is signed out. Sign in with it.")
        else:
            flash(f"Welcome to Roster, {user.name}. Sign in with your new password.", "success")
        return redirect_whole_page(url_for("auth.login"))
    return render(
        "accounts/new_password.html",
        "new_password_form",
        status=form_status(form),
        form=form,
        kind="invite" if purpose is Purpose.INVITE else "reset",
        user=user,
        action=request.path,
    )


@bp.get("/email/verify/<token>")
def verify_email(token: str) -> Response:
    link = check_token(Purpose.VERIFY, token)
    try:
        previous = confirm_email(link.user, link.address)
    except DuplicateUserError:
        raise LinkProblem(Purpose.VERIFY, TAKEN) from None
    if previous is None:
        flash(f"Thank you: {link.address} is confirmed.", "success")
    else:
        flash(f"Your email address is now {link.address}.", "success")
    if current_user.is_authenticated and current_user.id == link.user.id:
        return redirect(url_for("profiles.show", username=link.user.username), 303)
    return redirect(url_for("pages.home"), 303)


@bp.post("/email/resend")
@login_required
def resend_own_verification() -> Response:
    """A new confirmation link for the signed-in user's own (unconfirmed) address."""
    user = current_user._get_current_object()
    if user.email_verified_at is None:
        report(mails.verification(user, user.email, "registration").send(), "A confirmation link")
    else:
        flash(f"{user.email} is confirmed already.", "info")
    return render_or_redirect(
        url_for("profiles.edit", username=user.username),
        "accounts/email_status.html",
        "email_status",
        user=user,
    )


@bp.post("/users/<int:user_id>/invite")
@admin_required
def resend_invite(user_id: int) -> Response:
    """A fresh invitation; the previous links stop working (the password marker changes)."""
    user = db.first_or_404(live_users().where(User.id == user_id))
    if user.has_usable_password:
        flash(f"{user.username} has chosen a password already.", "info")
    else:
        user.set_unusable_password()
        db.session.commit()
        report(mails.invite(user, current_user).send(), "The invitation")
    return admin_answer(user)


@bp.post("/users/<int:user_id>/verify")
@admin_required
def resend_verification(user_id: int) -> Response:
    user = db.first_or_404(live_users().where(User.id == user_id))
    if user.email_verified_at is None:
        report(mails.verification(user, user.email, "admin").send(), "The confirmation link")
    else:
        flash(f"{user.email} is confirmed already.", "info")
    return admin_answer(user)


def admin_answer(user: User) -> Response:
    """htmx: the user's mail status in place (and the toast); a plain form: back to the table."""
    return render_or_redirect(
        url_for("users.index"), "accounts/user_mail_status.html", "user_mail_status", user=user
    )


@bp.errorhandler(LinkProblem)
def link_problem(problem: LinkProblem) -> Response:
    status, title, explanation = LINK_PROBLEMS[problem.kind]
    return render(
        "accounts/link_problem.html",
        "link_problem",
        status=status,
        code=status,
        title=title,
        explanation=explanation,
        next_step=NEXT_STEPS[problem.purpose],
        purpose=problem.purpose,
    )


@bp.errorhandler(TooManyRequests)
def too_many_resets(error: TooManyRequests) -> Response:
    form = ForgotPasswordForm()
    form.form_errors.append(TOO_MANY_RESETS)
    return render("accounts/forgot.html", "forgot_form", status=429, form=form)
