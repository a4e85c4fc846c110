"""Self-service: download my data (/account/data.json) and delete my account (/account/delete)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.exceptions import TooManyRequests

from roster.account.forms import KEEP_POSTS, DeleteAccountForm
from roster.account.queries import personal_data
from roster.account.service import delete_own_account
from roster.auth.limits import limit_failed_password_checks
from roster.auth.service import renew_session
from roster.profiles.forms import WRONG_PASSWORD
from roster.rendering import redirect_whole_page, render
from roster.submission import form_status, submit

bp = Blueprint("account", __name__)

TEMPLATE = "account/delete.html"
TOO_MANY_TRIES = "Too many wrong passwords. Please wait a minute and try again."


@bp.get("/account/data.json")
@login_required
def download_data() -> Response:
    """A file, not a page: the browser saves it (Content-Disposition), caches keep no copy."""
    user = current_user._get_current_object()
    body = json.dumps(personal_data(user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    # Usernames are letters, digits and `_ . -` only: safe in a header as they are.
    response.headers["Content-Disposition"] = f'attachment; filename="roster-{user.username}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limit_failed_password_checks
def delete_account() -> Response:
    """Gone for good, signed out everywhere; the posts go or stay unnamed, as chosen."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not user.check_password(form.password.data):
            form.password.errors.append(WRONG_PASSWORD)
        else:
            keep = form.posts.data == KEEP_POSTS
            if gone := submit(form, delete_own_account, user, keep_posts=keep):
                renew_session()
                logout_user()
                flash(f"Your account is deleted. Goodbye, {gone.name}.", "info")
                return redirect_whole_page(url_for("pages.home"))
    return delete_form(form, status=form_status(form))


def delete_form(form: DeleteAccountForm, *, status: int) -> Response:
    return render(TEMPLATE, "delete_account_form", status=status, form=form)


@bp.errorhandler(TooManyRequests)
def too_many_tries(error: TooManyRequests) -> Response:
    form = DeleteAccountForm()
    form.form_errors.append(TOO_MANY_TRIES)
    return delete_form(form, status=429)
