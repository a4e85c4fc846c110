"""The live user table: admins search, sort, page, create, edit in place, delete and undo.

htmx requests get the fragment that changes; plain forms get a 303 back to the table, so that
everything also works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from roster.auth.access import admin_required
from roster.extensions import db
from roster.htmx import htmx
from roster.rendering import render, render_fragment
from roster.users import rules
from roster.users.cli import purge_deleted
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User, utcnow
from roster.users.queries import TableView, capped_count, count_label, fetch_page
from roster.users.service import (
    DuplicateUserError,
    commit_or_report_duplicate,
    create_user,
    hash_method,
    live_users,
    mark_taken,
)

bp = Blueprint("users", __name__, cli_group=None)
bp.cli.add_command(purge_deleted)

TEMPLATE = "users/index.html"
STALE = (
    "Someone else changed this user while you were editing. "
    "Cancel to see the latest version, then edit again."
)
NO_VERSION = "This form does not say which version of the user it edits: cancel and edit again."
# The undo toast outlives the ordinary ones (roster.js reads data-lifetime).
UNDO_LIFETIME_MS = 15_000


@bp.app_template_filter("user_count")
def user_count(count: int) -> str:
    return count_label(count)


def table_context(view: TableView, **extra: Any) -> dict[str, Any]:
    """The rows and count of `view`: two queries at most, whatever the page size.

    A single page with no neighbours holds every match, so its length is the count: a search
    that hits a few users costs one query. The create form is built only for a full page:
    fragments never show it.
    """
    create_form = extra.pop("create_form", None)
    if create_form is None and not htmx().wants_fragment:
        create_form = UserCreateForm(formdata=None)
    page = fetch_page(view, current_app.config["USERS_PER_PAGE"])
    whole = not (page.has_next or page.has_previous)
    return {
        "view": view,
        "page": page,
        "count": len(page.users) if whole else capped_count(view.q),
        "create_form": create_form,
        **extra,
    }


def single_row_page(user: User, mode: str, *, status: int = 200, **context: Any) -> Response:
    """A row endpoint: its fragment for htmx, or the table page holding just that row."""
    block = {"edit": "edit_row", "confirm": "confirm_row"}.get(mode, "row")
    return render(
        TEMPLATE,
        block,
        status=status,
        view=TableView(),
        single=user,
        mode=mode,
        user=user,
        create_form=UserCreateForm(formdata=None),
        **context,
    )


def current_view() -> TableView:
    """The table view the browser shows (HX-Current-URL), to refresh it after a change."""
    url = urlsplit(htmx().current_path or "")
    if url.path != url_for("users.index"):
        return TableView()
    return TableView.from_args(MultiDict(parse_qsl(url.query)))


def back_to_table() -> Response:
    return redirect(url_for("users.index"), 303)


def get_live_user(user_id: int) -> User:
    return db.first_or_404(live_users().where(User.id == user_id))


@bp.get("/users")
@admin_required
def index() -> Response:
    return render(TEMPLATE, "results", **table_context(TableView.from_args(request.args)))


@bp.post("/users")
@admin_required
def create() -> Response:
    form = UserCreateForm()
    if form.validate_on_submit() and not taken(form):
        try:
            user = create_user(
                form.username.data,
                form.email.data,
                form.password.data,
                is_admin=form.is_admin.data,
                display_name=form.display_name.data or "",
            )
        except DuplicateUserError as clash:
            form[clash.field].errors.append(str(clash))
        else:
            flash(f"Created {user.username}.", "success")
            if not htmx().wants_fragment:
                return back_to_table()
            return render_fragment(
                TEMPLATE,
                "create_form",
                create_form=UserCreateForm(formdata=None),
                created=True,
                user=user,
                fresh_id=user.id,
                focus_form=True,
                swap_oob=True,
                count=capped_count(current_view().q),
            )
    if htmx().wants_fragment:
        return render_fragment(
            TEMPLATE, "create_form", status=422, create_form=form, focus_form=True
        )
    return render(TEMPLATE, status=422, **table_context(TableView(), create_form=form))


@bp.get("/users/<int:user_id>")
@admin_required
def row(user_id: int) -> Response:
    mode = "confirm" if request.args.get("confirm") == "delete" else "row"
    return single_row_page(get_live_user(user_id), mode, focus=True)


@bp.get("/users/<int:user_id>/edit")
@admin_required
def edit(user_id: int) -> Response:
    user = get_live_user(user_id)
    form = UserEditForm(formdata=None, obj=user, is_active=status_of(user))
    return single_row_page(user, "edit", form=form)


def status_of(user: User) -> str:
    return "active" if user.is_active else "inactive"


@bp.route("/users/<int:user_id>", methods=["PUT", "POST"])
@admin_required
def update(user_id: int) -> Response:
    user = get_live_user(user_id)
    form = UserEditForm()
    if not (form.validate_on_submit() and apply_edit(user, form)):
        db.session.rollback()
        if form.version.errors:
            form.form_errors.append(NO_VERSION)
        return single_row_page(user, "edit", status=422, form=form)
    if not htmx().wants_fragment:
        flash(f"Saved {user.username}.", "success")
        return back_to_table()
    return single_row_page(user, "row", focus=True, fresh=True)


def has_errors(form: FlaskForm) -> bool:
    return bool(form.form_errors) or any(field.errors for field in form)


def taken(form: FlaskForm, exclude_id: int | None = None) -> bool:
    """Add "taken" errors for a username or email another account has; True if any."""
    mark_taken(form, ("username", "email"), exclude_id=exclude_id)
    return has_errors(form)


def apply_edit(user: User, form: UserEditForm) -> bool:
    """Copy the form onto `user` and commit; or leave the reasons in the form and return False."""
    if form.version.data != str(user.version):
        form.form_errors.append(STALE)
        return False
    taken(form, exclude_id=user.id)
    # Fields outside the contract (status, display name) stay as they are when left out.
    is_active = {"active": True, "inactive": False}.get(form.is_active.data, user.is_active)
    display_name = (
        user.display_name if "display_name" not in request.form else form.display_name.data
    )
    problems = rules.change_problems(
        current_user, user, is_admin=form.is_admin.data, is_active=is_active
    )
    for field, message in problems.items():
        form[field].errors.append(message)
    if has_errors(form):
        return False
    user.username = form.username.data.strip()
    user.email = form.email.data.strip()
    user.display_name = (display_name or "").strip()
    user.is_admin = form.is_admin.data
    user.is_active = is_active
    if form.password.data:
        user.set_password(form.password.data, method=hash_method())
        # A reset password ends the sessions that knew the old one.
        user.rotate_session_token()
    try:
        commit_or_report_duplicate()
    except DuplicateUserError as clash:
        form[clash.field].errors.append(str(clash))
    except StaleDataError:
        db.session.rollback()
        form.form_errors.append(STALE)
    return not has_errors(form)


@bp.delete("/users/<int:user_id>")
@bp.post("/users/<int:user_id>/delete")
@admin_required
def delete(user_id: int) -> Response:
    user = get_live_user(user_id)
    problem = rules.delete_problem(current_user, user)
    if problem:
        if not htmx().wants_fragment:
            flash(problem, "error")
            return back_to_table()
        response = single_row_page(user, "confirm", status=422, problem=problem)
        # The confirm button asked for its row to be deleted: show the refusal in it instead.
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    # Soft delete: nothing is lost, so undo can bring the user (and their posts) back exactly.
    user.deleted_at = utcnow()
    db.session.commit()
    flash(
        {
            "text": f"Deleted {user.username}.",
            "action": url_for("users.restore", user_id=user.id),
            "label": "Undo",
            "id": f"undo-{user.id}",
            "lifetime": UNDO_LIFETIME_MS,
            "target": "#users-results",
        },
        "success",
    )
    if not htmx().wants_fragment:
        return back_to_table()
    return render_fragment(TEMPLATE, "deleted", swap_oob=True, count=capped_count(current_view().q))


@bp.post("/users/<int:user_id>/restore")
@admin_required
def restore(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if user.deleted_at is not None:
        user.deleted_at = None
        db.session.commit()
    flash(f"Restored {user.username}.", "success")
    if not htmx().wants_fragment:
        return back_to_table()
    return render_fragment(
        TEMPLATE,
        "results",
        undone=f"undo-{user.id}",
        fresh_id=user.id,
        focus_id=user.id,
        **table_context(current_view()),
    )
