"""Admin safety rules: nobody locks themself out, and the site always keeps an active admin."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from roster.extensions import db
from roster.submission import Refused
from roster.users.models import User

SELF_DEMOTE = "You cannot change your own role."
SELF_DEACTIVATE = "You cannot deactivate your own account."
SELF_DELETE = "You cannot delete your own account."
LAST_ADMIN = "This is the last active admin: make someone else an admin first."

# The PostgreSQL advisory lock that every change taking away an active admin holds until its
# commit (any fixed number, the same in every worker): such changes then check one at a time.
ADMINS_LOCK = 0x526F73746572  # "Roster"


def change_problems(actor: User, target: User, *, role: str, is_active: bool) -> dict:
    """Form errors by field when an admin would change their own role or deactivate themself."""
    problems: dict[str, str] = {}
    if target.id == actor.id:
        if role != target.role:
            problems["role"] = SELF_DEMOTE
        if not is_active:
            problems["is_active"] = SELF_DEACTIVATE
    return problems


def delete_problem(actor: User, target: User) -> str | None:
    return SELF_DELETE if target.id == actor.id else None


def keep_an_active_admin(field: str | None = None) -> None:
    """Refuse a change that leaves no active admin, atomically: call it before the commit of
    any change that may take the role, the account or its activity from an admin.

    It flushes the change, then asks the database whether an active admin remains (the
    `User.is_active_admin` expression). Two admins removing each other at the same moment must
    not both see the other one still there, so the check runs alone: on PostgreSQL under an
    advisory lock (a new statement in READ COMMITTED sees every commit made before it got the
    lock); on SQLite the flush already took the database's single write lock. None left: the
    whole transaction is rolled back (its audit entries with it) and `Refused` names `field`.

    One statement may change many users (a bulk action): run it, then call this once.
    """
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(ADMINS_LOCK)))
    if not db.session.scalar(select(exists().where(User.is_active_admin))):
        db.session.rollback()
        raise Refused({field: LAST_ADMIN})
