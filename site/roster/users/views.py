"""The live user table: admins search, filter, sort, page, create, edit in place, delete and
undo, restore or purge from the trash, and export what they see as CSV.

Each view parses the request, calls a service (roster.users.service) and answers with one
render call: htmx gets the fragments that change, a plain form a 303 back to the table, so
that everything also works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from roster.accounts.service import announce_admin_edit, invite_if_passwordless
from roster.audit.service import record
from roster.auth.access import admin_required
from roster.extensions import db
from roster.htmx import htmx, push_url, reswap
from roster.idempotency import submit_once
from roster.rendering import render, render_or_redirect
from roster.submission import Refused, submit
from roster.users import export
from roster.users.cli import purge_deleted
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User, utcnow
from roster.users.queries import TableView, capped_count, count_label, fetch_page, live_users
from roster.users.service import (
    NewUser,
    UserChange,
    create_user,
    delete_user,
    purge_users,
    restore_user,
    update_user,
)

bp = Blueprint("users", __name__, cli_group=None)
bp.cli.add_command(purge_deleted)

TABLE = "users/index.html"
# One row on its own: the fragment for htmx, or the users page showing just that row.
ROW = "users/row.html"
NO_VERSION = "This form does not say which version of the user it edits: cancel and edit again."
# The undo toast outlives the ordinary ones (roster.js reads data-lifetime).
UNDO_LIFETIME_MS = 15_000
STATUSES = {"active": True, "inactive": False}


@bp.app_template_filter("user_count")
def user_count(count: int) -> str:
    return count_label(count)


@dataclass(frozen=True, slots=True)
class RowLinks:
    """The URL prefixes a row joins its user to (usernames are URL-safe by USERNAME_PATTERN)."""

    users: str
    profiles: str


@bp.app_template_global()
def row_links() -> RowLinks:
    """Built once per table: url_for per row would be the slowest part of a page of rows."""
    return RowLinks(url_for("users.index"), url_for("profiles.show", username=""))


def table_context(view: TableView, **extra: Any) -> dict[str, Any]:
    """The rows and count of `view`: two queries at most, whatever the page size.

    A single page with no neighbours holds every match, so its length is the count: a search
    that hits a few users costs one query.
    """
    page = fetch_page(view, current_app.config["USERS_PER_PAGE"])
    whole = not (page.has_next or page.has_previous)
    return {
        "view": view,
        "page": page,
        "count": len(page.items) if whole else capped_count(view),
        "create_form": UserCreateForm(formdata=None),
        **extra,
    }


def render_row(
    block: str, user: User, *, status: int = 200, view: TableView | None = None, **context: Any
) -> Response:
    """A row endpoint: `block` (row, edit_row, confirm_row or confirm_purge_row) alone, or in
    the users page (of the trash, for a deleted user's row)."""
    return render(
        ROW,
        block,
        status=status,
        row_block=block,
        view=view or TableView(),
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


def table_url() -> str:
    return url_for("users.index")


def get_live_user(user_id: int) -> User:
    return db.first_or_404(live_users().where(User.id == user_id))


def get_deleted_user(user_id: int) -> User:
    """A user in the trash (deleted, waiting for restore or purge); 404 for any other."""
    return db.first_or_404(select(User).where(User.id == user_id, User.deleted_at.is_not(None)))


def new_user(form: UserCreateForm) -> NewUser:
    return NewUser(
        username=form.username.data,
        email=form.email.data,
        password=form.password.data or None,
        display_name=form.display_name.data or "",
        is_admin=form.is_admin.data,
    )


def user_change(form: UserEditForm) -> UserChange:
    """The edit the form asks for; status and display name stay as they are when left out."""
    return UserChange(
        username=form.username.data,
        email=form.email.data,
        is_admin=form.is_admin.data,
        display_name=form.display_name.data if form.display_name.raw_data else None,
        is_active=STATUSES.get(form.is_active.data),
        password=form.password.data or None,
    )


@bp.get("/users")
@admin_required
def index() -> Response:
    view = TableView.from_args(request.args)
    response = render(TABLE, "results", **table_context(view))
    if htmx().wants_fragment:
        # The address bar shows the filters that apply, without the empty or ignored ones.
        push_url(response, url_for("users.index", **view.args()))
    return response


@bp.get("/users/export.csv")
@admin_required
def export_csv() -> Response:
    """Every user the table's filters, search and sort match, streamed as CSV.

    The export is audited (with its filters) before the first byte leaves.
    """
    view = TableView.from_args(request.args)
    filters = view.filter_args()
    record("users.export", changes={name: (None, value) for name, value in filters.items()})
    db.session.commit()
    lines = export.csv_lines(view, bom=request.args.get("bom") == "1")
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.file_name(utcnow())}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/users")
@admin_required
def create() -> Response:
    form = UserCreateForm()
    created = submit_once(form, "user", create_user, current_user, new_user(form))
    if created is None:
        context = table_context(TableView(), create_form=form)
        return render(TABLE, "create_form", status=422, focus_form=True, **context)
    # The first sending of this form, or a second one (same key) getting the first one's answer.
    user = db.session.scalar(live_users().where(User.id == created.id))
    if user is None:  # deleted since: the form is done all the same
        return render_or_redirect(table_url(), TABLE, "create_form", **table_context(TableView()))
    flash(f"Created {user.username}.", "success")
    if created.first:
        invite_if_passwordless(user, current_user)
    return render_or_redirect(
        table_url(),
        TABLE,
        "create_form",
        oob=["new_row_oob", "count_oob"],
        create_form=UserCreateForm(formdata=None),
        focus_form=True,
        user=user,
        count=capped_count(current_view()),
    )


@bp.get("/users/<int:user_id>")
@admin_required
def row(user_id: int) -> Response:
    block = "confirm_row" if request.args.get("confirm") == "delete" else "row"
    return render_row(block, get_live_user(user_id))


@bp.get("/users/<int:user_id>/edit")
@admin_required
def edit(user_id: int) -> Response:
    user = get_live_user(user_id)
    status = "active" if user.is_active else "inactive"
    form = UserEditForm(formdata=None, obj=user, is_active=status)
    return render_row("edit_row", user, form=form)


@bp.route("/users/<int:user_id>", methods=["PUT", "POST"])
@admin_required
def update(user_id: int) -> Response:
    user = get_live_user(user_id)
    form = UserEditForm()
    old_address = user.email
    saved = form.validate_on_submit() and submit(
        form, update_user, current_user, user, user_change(form), form.version.data
    )
    if not saved:
        if form.version.errors:
            form.form_errors.append(NO_VERSION)
        return render_row("edit_row", user, status=422, form=form)
    flash(f"Saved {user.username}.", "success")
    announce_admin_edit(user, old_address=old_address, new_password=bool(form.password.data))
    return render_or_redirect(table_url(), ROW, "row", user=user)


@bp.delete("/users/<int:user_id>")
@bp.post("/users/<int:user_id>/delete")
@admin_required
def delete(user_id: int) -> Response:
    user = get_live_user(user_id)
    try:
        delete_user(current_user, user)
    except Refused as refusal:
        if not htmx().wants_fragment:
            flash(str(refusal), "error")
            return redirect(table_url(), 303)
        # The confirm button asked for its row to be deleted: show the refusal in it instead.
        response = render_row("confirm_row", user, status=422, problem=str(refusal))
        return reswap(response, "outerHTML")
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
    return render_or_redirect(table_url(), TABLE, "count_oob", count=capped_count(current_view()))


@bp.post("/users/<int:user_id>/restore")
@admin_required
def restore(user_id: int) -> Response:
    user = restore_user(current_user, db.get_or_404(User, user_id))
    flash(f"Restored {user.username}.", "success")
    return render_or_redirect(
        table_url(),
        TABLE,
        "results",
        oob=["undo_gone_oob"],
        undo_id=f"undo-{user.id}",
        highlight_id=user.id,
        **table_context(current_view()),
    )


@bp.get("/users/<int:user_id>/trash")
@admin_required
def trashed_row(user_id: int) -> Response:
    """A row of the trash (`?confirm=purge`: asking before the purge)."""
    block = "confirm_purge_row" if request.args.get("confirm") == "purge" else "row"
    return render_row(block, get_deleted_user(user_id), view=TableView(status="deleted"))


@bp.delete("/users/<int:user_id>/purge")
@bp.post("/users/<int:user_id>/purge")
@admin_required
def purge(user_id: int) -> Response:
    """Delete a user in the trash for good, with their posts: no undo."""
    user = get_deleted_user(user_id)
    username = user.username
    purge_users(current_user, select(User.id).where(User.id == user.id))
    flash(f"Deleted {username} for good.", "success")
    return render_or_redirect(
        url_for("users.index", status="deleted"),
        TABLE,
        "count_oob",
        count=capped_count(current_view()),
    )
