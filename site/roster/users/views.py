"""The live user table: admins and moderators search, filter, sort and page; admins also
create, edit in place, delete and undo, restore or purge from the trash, and export as CSV.

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
    abort,
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
from roster.auth.permissions import Permission, can, permission_required
from roster.conditional import conditional
from roster.conflicts import Conflict, Gone, rebase
from roster.extensions import db
from roster.htmx import htmx, push_url, reswap, retarget, trigger
from roster.idempotency import submit_once
from roster.rendering import flash_undo, render, render_or_redirect
from roster.submission import Refused, submit
from roster.users import bulk, export
from roster.users.cli import purge_deleted
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User, utcnow
from roster.users.queries import TableView, capped_count, count_label, live_users, read_table
from roster.users.service import (
    NewUser,
    StaleVersionError,
    UserChange,
    create_user,
    delete_user,
    mark_taken,
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
# The edit form's fields, in the order a conflict lists those that differ.
EDITED = ("username", "display_name", "email", "is_active", "role")
RETYPE_PASSWORD = "Not saved yet: type it again to keep it."  # noqa: S105 (a message)
STATUSES = {"active": True, "inactive": False}


@bp.app_template_filter("user_count")
def user_count(count: int) -> str:
    return count_label(count)


@bp.app_template_filter("users_exactly")
def users_exactly(count: int) -> str:
    return bulk.how_many(count)


@bp.app_template_global()
def bulk_actions(view: TableView) -> list[bulk.BulkAction]:
    """The action select's options on `view`."""
    return bulk.offered(view)


@dataclass(frozen=True, slots=True)
class RowLinks:
    """The URL prefix a row joins its user's id to (its row, edit form and details page)."""

    users: str


@bp.app_template_global()
def row_links() -> RowLinks:
    """Built once per table: url_for per row would be the slowest part of a page of rows."""
    return RowLinks(url_for("users.index"))


def table_context(view: TableView, *, fresh_form: bool = True, **extra: Any) -> dict[str, Any]:
    """The rows and count of `view`: two queries at most, whatever the page size (read_table).

    `fresh_form`: an empty Add user form too (the table's fragments never show it, and
    building it cost about 5 % of a search).
    """
    page, count = read_table(view, current_app.config["USERS_PER_PAGE"])
    context = {"view": view, "page": page, "count": count}
    if fresh_form:
        context["create_form"] = UserCreateForm(formdata=None)
    return {**context, **extra}


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


def asks_to_confirm(change: str) -> bool:
    """`?confirm=<change>`: the row asks before the change, which only those who may change
    users may be asked (403 for the others)."""
    confirm = request.args.get("confirm") == change
    if confirm and not can(Permission.USERS_CHANGE):
        abort(403)
    return confirm


def get_live_user(user_id: int) -> User:
    return db.first_or_404(live_users().where(User.id == user_id))


def edit_form(user: User) -> UserEditForm:
    """The edit form filled from the user as saved (the status a choice, not the bool)."""
    form = UserEditForm(formdata=None, obj=user)
    form.is_active.data = "active" if user.is_active else "inactive"
    return form


def get_deleted_user(user_id: int) -> User:
    """A user in the trash (deleted, waiting for restore or purge); 404 for any other."""
    return db.first_or_404(select(User).where(User.id == user_id, User.deleted_at.is_not(None)))


def validated(form: UserCreateForm | UserEditForm, *, exclude_id: int | None = None) -> bool:
    """The form's own checks, and when they fail, whether its well-formed username and email
    are taken too: every error shows in one round, as on registration, not the clash only
    after the format is fixed. (A valid form's clashes are the service's to find.)"""
    if form.validate_on_submit():
        return True
    mark_taken(form, ("username", "email"), exclude_id=exclude_id)
    return False


def new_user(form: UserCreateForm) -> NewUser:
    return NewUser(
        username=form.username.data,
        email=form.email.data,
        password=form.password.data or None,
        display_name=form.display_name.data or "",
        role=form.role.data,
    )


def user_change(form: UserEditForm) -> UserChange:
    """The edit the form asks for; status and display name stay as they are when left out."""
    return UserChange(
        username=form.username.data,
        email=form.email.data,
        role=form.role.data,
        display_name=form.display_name.data if form.display_name.raw_data else None,
        is_active=STATUSES.get(form.is_active.data),
        password=form.password.data or None,
    )


@bp.get("/users")
@permission_required(Permission.USERS_READ)
@conditional("users")
def index() -> Response:
    view = TableView.from_args(request.args)
    fragment = htmx().wants_fragment
    response = render(TABLE, "results", **table_context(view, fresh_form=not fragment))
    if fragment:
        # The address bar shows the filters that apply, without the empty or ignored ones.
        push_url(response, url_for("users.index", **view.args()))
    return response


@bp.get("/users/export.csv")
@permission_required(Permission.USERS_EXPORT)
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
@permission_required(Permission.USERS_CHANGE)
def create() -> Response:
    form = UserCreateForm()
    created = submit_once(
        form, "user", create_user, current_user, new_user(form), validate=validated
    )
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
@permission_required(Permission.USERS_READ)
def row(user_id: int) -> Response:
    """The row as it reads (also Cancel's answer), or asking before a delete (admins only)."""
    block = "confirm_row" if asks_to_confirm("delete") else "row"
    return render_row(block, get_live_user(user_id))


@bp.get("/users/<int:user_id>/edit")
@permission_required(Permission.USERS_CHANGE)
def edit(user_id: int) -> Response:
    user = get_live_user(user_id)
    return render_row("edit_row", user, form=edit_form(user))


@bp.route("/users/<int:user_id>", methods=["PUT", "POST"])
@permission_required(Permission.USERS_CHANGE)
def update(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = UserEditForm()
    old_address = user.email
    try:
        saved = validated(form, exclude_id=user_id) and submit(
            form, update_user, current_user, user, user_change(form), form.version.data
        )
    except Gone as gone:
        return render_row("gone_row", user, status=409, problem=str(gone))
    except StaleVersionError:
        return edit_conflict(user, form)
    if not saved:
        if form.version.errors:
            form.form_errors.append(NO_VERSION)
        return render_row("edit_row", user, status=422, form=form)
    flash(f"Saved {user.username}.", "success")
    announce_admin_edit(user, old_address=old_address, new_password=bool(form.password.data))
    return render_or_redirect(table_url(), ROW, "row", user=user)


def edit_conflict(user: User, form: UserEditForm) -> Response:
    """Someone saved the user since this form was loaded: both sides, and Keep mine (this form
    over their version) or Take theirs (the form reloaded). 409, nothing saved."""
    conflict = rebase(form, edit_form(user), EDITED)
    if form.password.data:
        form.password.errors = [RETYPE_PASSWORD]
    return render_row("edit_row", user, status=409, form=form, conflict=conflict)


@bp.delete("/users/<int:user_id>")
@bp.post("/users/<int:user_id>/delete")
@permission_required(Permission.USERS_CHANGE)
def delete(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    try:
        delete_user(current_user, user)
    except Gone as gone:
        return reswap(render_row("gone_row", user, status=409, problem=str(gone)), "outerHTML")
    except Conflict as conflict:
        response = render_row("confirm_row", user, status=409, problem=str(conflict))
        return reswap(response, "outerHTML")
    except Refused as refusal:
        if not htmx().wants_fragment:
            flash(str(refusal), "error")
            return redirect(table_url(), 303)
        # The confirm button asked for its row to be deleted: show the refusal in it instead.
        response = render_row("confirm_row", user, status=422, problem=str(refusal))
        return reswap(response, "outerHTML")
    flash_undo(
        f"Deleted {user.username}.",
        url_for("users.restore", user_id=user.id),
        toast_id=f"undo-{user.id}",
        target="#users-results",
    )
    return render_or_redirect(table_url(), TABLE, "count_oob", count=capped_count(current_view()))


@bp.post("/users/<int:user_id>/restore")
@permission_required(Permission.USERS_CHANGE)
def restore(user_id: int) -> Response:
    try:
        user = restore_user(current_user, db.get_or_404(User, user_id))
    except Conflict as conflict:
        flash(str(conflict), "error")
        return render(TABLE, "results", status=409, **table_context(current_view()))
    flash(f"Restored {user.username}.", "success")
    return undone(f"undo-{user.id}", highlight_id=user.id)


def undone(undo_id: str, **context: Any) -> Response:
    """The answer to an undo: the table as the browser shows it, and the Undo toast
    (`undo_id`) gone, out of band."""
    return render_or_redirect(
        table_url(),
        TABLE,
        "results",
        oob=["undo_gone_oob"],
        undo_id=undo_id,
        **table_context(current_view()),
        **context,
    )


@bp.get("/users/<int:user_id>/trash")
@permission_required(Permission.USERS_READ)
def trashed_row(user_id: int) -> Response:
    """A row of the trash (`?confirm=purge`: asking before the purge)."""
    block = "confirm_purge_row" if asks_to_confirm("purge") else "row"
    return render_row(block, get_deleted_user(user_id), view=TableView(status="deleted"))


@bp.delete("/users/<int:user_id>/purge")
@bp.post("/users/<int:user_id>/purge")
@permission_required(Permission.USERS_CHANGE)
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


@bp.post("/users/bulk")
@permission_required(Permission.USERS_CHANGE)
def bulk_action() -> Response:
    """One action on the ticked users, or on every user the table's filters match.

    A destructive one asks first with the count (the confirm step: a fragment in place of the
    selection bar, or without JavaScript the table with it); the answer is the table the form
    was sent from, and a toast with the count (a bulk delete's toast undoes it as one).
    """
    order = bulk.BulkRequest.from_form(request.form)
    if order.problem or order.action is None:
        return bulk_refused(order, order.problem or bulk.NO_ACTION)
    if order.asks_first:
        count, left_out = bulk.count(current_user, order.action, order.selection)
        confirm = {"order": order, "count": count, "left_out": left_out}
        response = render(TABLE, "bulk_confirm", confirm=confirm, **table_context(order.view))
        return retarget(reswap(response, "outerHTML"), "#bulk-bar")
    try:
        outcome = bulk.apply(current_user, order.action, order.selection)
    except Refused as refusal:
        return bulk_refused(order, str(refusal))
    flash_outcome(outcome)
    table = url_for("users.index", **order.view.filter_args())
    response = render_or_redirect(table, TABLE, "results", **table_context(order.view))
    if htmx().wants_fragment:
        # The first page of the same table: the address bar says so (reload, and the undo).
        push_url(response, table)
    # The selection is done with: the page's script clears it.
    return trigger(response, "roster:bulk-done")


def bulk_refused(order: bulk.BulkRequest, problem: str) -> Response:
    """Nothing done: the selection bar says why (422), or the table does, after a redirect."""
    if not htmx().wants_fragment:
        flash(problem, "error")
        return redirect(url_for("users.index", **order.view.filter_args()), 303)
    response = render(
        TABLE, "bulk_bar", status=422, bulk_problem=problem, **table_context(order.view)
    )
    return retarget(reswap(response, "outerHTML"), "#bulk-bar")


def flash_outcome(outcome: bulk.Outcome) -> None:
    """The toast: the count, why the actor was left out, and Undo for a delete."""
    text = f"{outcome.action.done} {bulk.how_many(outcome.count)}."
    if outcome.left_out:
        text += f" Not you: {outcome.left_out[0].lower()}{outcome.left_out[1:]}"
    if outcome.action.name != "delete" or not outcome.count:
        flash(text, "success")
        return
    flash_undo(
        text,
        url_for("users.undo_bulk_delete", batch=outcome.batch),
        toast_id=f"undo-{outcome.batch}",
        target="#users-results",
    )


@bp.post("/users/bulk/<batch>/restore")
@permission_required(Permission.USERS_CHANGE)
def undo_bulk_delete(batch: str) -> Response:
    """Undo a bulk delete: every user it took (and still in the trash) comes back at once."""
    restored = bulk.undo_delete(current_user, batch)
    flash(f"Restored {bulk.how_many(restored)}.", "success")
    return undone(f"undo-{batch}")
