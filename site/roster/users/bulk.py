"""Bulk actions on the user table: one SQL UPDATE for the whole set, however many users.

A request names an action and a selection: the ids ticked in the table, or every user the
table's filters match (`scope=matching`, on every page). `apply` then runs, in one
transaction: the audit entries, one INSERT ... SELECT (two for a role change: one per old
role), all carrying a fresh batch id; one UPDATE of exactly the users those entries name
(`WHERE id IN (SELECT target_id FROM audit_entries WHERE batch = ...)`), so the log and the
change never disagree, even when another request commits in between; one UPDATE ending the
sessions of users deactivated or deleted (the ORM's flush hook never sees a Core UPDATE); and
the active-admin guard. The undo of a bulk delete restores the users of its batch.

The acting admin is left out of what they may not do to themself (deactivate, delete, change
their role), and told so.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select, true, update

from roster.audit.models import AuditEntry
from roster.audit.service import Changes, record_each
from roster.extensions import db
from roster.sessions.service import DEACTIVATED, DELETED, end_sessions_of
from roster.users import rules
from roster.users.models import User, utcnow
from roster.users.policy import Role
from roster.users.queries import FILTER_FIELDS, TableView, filter_conditions

NOTHING_SELECTED = "Select some users first, or every user that matches."
NO_ACTION = "Choose what to do with the selected users."
# Ids beyond this are no user's (the column is a 32-bit integer on PostgreSQL).
MAX_ID = 2**31 - 1
LIVE = User.deleted_at.is_(None)


@dataclass(frozen=True)
class BulkAction:
    """One entry of the action select: what it changes, in whom, and how it is audited."""

    name: str
    label: str  # the select's option
    done: str  # the toast: "{done} 3 users."
    audit: str
    eligible: ColumnElement[bool]  # the selected users it changes (the others stay as they are)
    values: Callable[[datetime], dict[str, Any]]
    # (which users, their changes) for the audit: one INSERT ... SELECT per old value.
    audited: Callable[[datetime], list[tuple[ColumnElement[bool], Changes]]]
    self_problem: str | None = None  # the acting admin is left out, with this reason
    ends_sessions: str | None = None
    takes_admins: bool = False  # may leave the site without an active admin: guarded
    confirm: bool = False  # destructive: asks first, with the count
    trash: bool = False  # offered in the trash (status=deleted), not in the live table


def role_action(role: Role) -> BulkAction:
    others = [other for other in Role if other != role]
    return BulkAction(
        name=f"role-{role.value}",
        label=f"Make {role.value}",
        done=f"Made {role.value}:",
        audit="user.update",
        eligible=LIVE & (User.role != role.value),
        values=lambda _now: {"role": role.value},
        audited=lambda _now: [
            (User.role == other.value, {"role": (other.value, role.value)}) for other in others
        ],
        self_problem=rules.SELF_DEMOTE,
        takes_admins=role != Role.admin,
        confirm=role != Role.admin,
    )


ACTIONS: dict[str, BulkAction] = {
    action.name: action
    for action in (
        BulkAction(
            name="activate",
            label="Activate",
            done="Activated",
            audit="user.update",
            eligible=LIVE & ~User.is_active,
            values=lambda _now: {"is_active": True},
            audited=lambda _now: [(true(), {"is_active": (False, True)})],
        ),
        BulkAction(
            name="deactivate",
            label="Deactivate",
            done="Deactivated",
            audit="user.update",
            eligible=LIVE & User.is_active,
            values=lambda _now: {"is_active": False},
            audited=lambda _now: [(true(), {"is_active": (True, False)})],
            self_problem=rules.SELF_DEACTIVATE,
            ends_sessions=DEACTIVATED,
            takes_admins=True,
            confirm=True,
        ),
        role_action(Role.admin),
        role_action(Role.moderator),
        role_action(Role.member),
        BulkAction(
            name="delete",
            label="Delete",
            done="Deleted",
            audit="user.delete",
            eligible=LIVE,
            values=lambda now: {"deleted_at": now},
            audited=lambda now: [(true(), {"deleted_at": (None, now)})],
            self_problem=rules.SELF_DELETE,
            ends_sessions=DELETED,
            takes_admins=True,
            confirm=True,
        ),
        BulkAction(
            name="restore",
            label="Restore",
            done="Restored",
            audit="user.restore",
            eligible=User.deleted_at.is_not(None),
            values=lambda _now: {"deleted_at": None},
            audited=lambda _now: [(true(), {"deleted": (True, False)})],
            trash=True,
        ),
    )
}


def how_many(count: int) -> str:
    """An exact count of users, for the toast and the confirm step ("1,234 users")."""
    return f"{count:,} user" + ("" if count == 1 else "s")


def offered(view: TableView) -> list[BulkAction]:
    """The actions the action select offers on `view` (the trash has its own)."""
    return [action for action in ACTIONS.values() if action.trash == view.trash]


@dataclass(frozen=True)
class Selection:
    """Which users a bulk action is about: ticked `ids`, every user `view` matches
    (scope=matching), or the users a bulk delete took (`batch`, its undo)."""

    ids: tuple[int, ...] = ()
    view: TableView | None = None
    batch: str | None = None

    @property
    def empty(self) -> bool:
        return self.view is None and self.batch is None and not self.ids

    def conditions(self) -> list[ColumnElement[bool]]:
        if self.view is not None:
            return filter_conditions(self.view)
        if self.batch is not None:
            return [User.id.in_(batch_users(self.batch, "user.delete"))]
        return [User.id.in_(self.ids)]

    def fields(self) -> list[tuple[str, str]]:
        """The form fields that send this selection again (the confirm step's hidden inputs)."""
        if self.view is not None:
            # The filters travel as the table's own fields (BulkRequest.view).
            return [("scope", "matching")]
        return [("ids", str(user_id)) for user_id in self.ids]


@dataclass(frozen=True)
class BulkRequest:
    """A POST /users/bulk as sent: the action, the selection, and the table it was sent from."""

    action: BulkAction | None
    selection: Selection
    view: TableView
    confirmed: bool

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> BulkRequest:
        """Read the form; ids that are no user's id are dropped, like bad filter values."""
        # The table the form was sent from, on its first page: it is shown afterwards.
        view = replace(TableView.from_args(form), after=None, before=None)
        if form.get("scope") == "matching":
            only_filters = {name: form.get(name, "") for name in FILTER_FIELDS}
            selection = Selection(view=TableView.from_args(only_filters))
        else:
            ids = {int(raw) for raw in form.getlist("ids") if raw.isdecimal() and len(raw) < 12}
            selection = Selection(ids=tuple(sorted(i for i in ids if 0 < i <= MAX_ID)))
        return cls(
            action=ACTIONS.get(form.get("action")),
            selection=selection,
            view=view,
            confirmed=form.get("confirm") == "yes",
        )

    @property
    def problem(self) -> str | None:
        if self.action is None:
            return NO_ACTION
        if self.selection.empty:
            return NOTHING_SELECTED
        return None

    @property
    def asks_first(self) -> bool:
        return bool(self.action and self.action.confirm and not self.confirmed)


@dataclass(frozen=True)
class Outcome:
    """What a bulk action did: how many users changed, whether the actor was left out, and the
    batch (for the undo of a delete)."""

    action: BulkAction
    count: int
    left_out: str | None
    batch: str


@dataclass(frozen=True)
class Plan:
    """The users an action will change, before it runs (the confirm step's count)."""

    chosen: Select
    left_out: str | None = field(default=None)


def plan(actor: User, action: BulkAction, selection: Selection) -> Plan:
    """Which users `action` changes in `selection`: one SELECT of ids, to use as a subquery."""
    chosen = select(User.id).where(*selection.conditions(), action.eligible)
    left_out = None
    if action.self_problem is not None:
        if db.session.scalar(select(exists(chosen.where(User.id == actor.id)))):
            left_out = action.self_problem
        chosen = chosen.where(User.id != actor.id)
    return Plan(chosen, left_out)


def count(actor: User, action: BulkAction, selection: Selection) -> tuple[int, str | None]:
    """How many users `action` would change, and why the actor is left out (if they are)."""
    planned = plan(actor, action, selection)
    matching = planned.chosen.subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0, planned.left_out


def batch_users(batch: str, audit_action: str) -> Select:
    """The ids of the users the bulk action `batch` recorded as `audit_action`."""
    return select(AuditEntry.target_id).where(
        AuditEntry.batch == batch, AuditEntry.action == audit_action
    )


def apply(actor: User, action: BulkAction, selection: Selection) -> Outcome:
    """Run `action` on `selection` and commit: a constant number of statements (see the module
    docstring). A change that would leave no active admin raises Refused: nothing written."""
    planned = plan(actor, action, selection)
    batch, now = secrets.token_hex(8), utcnow()
    for which, changes in action.audited(now):
        record_each(
            action.audit,
            planned.chosen.where(which),
            changes=changes,
            actor=actor,
            batch=batch,
            at=now,
        )
    audited = batch_users(batch, action.audit)
    changed = db.session.execute(
        update(User)
        .where(User.id.in_(audited))
        # A new version: an edit form opened before this change notices it (a conflict).
        .values(**action.values(now), version=User.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if action.ends_sessions is not None:
        end_sessions_of(audited, action.ends_sessions)
    if action.takes_admins:
        rules.keep_an_active_admin()
    db.session.commit()
    return Outcome(action, changed, planned.left_out, batch)


def undo_delete(actor: User, batch: str) -> int:
    """Restore, as one, the users the bulk delete `batch` took that are still in the trash."""
    return apply(actor, ACTIONS["restore"], Selection(batch=batch)).count
