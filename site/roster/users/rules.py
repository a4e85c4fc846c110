"""Admin safety rules: nobody locks themself out, and the site always keeps an active admin."""

from __future__ import annotations

from sqlalchemy import func, select

from roster.extensions import db
from roster.users.models import User
from roster.users.policy import Role

SELF_DEMOTE = "You cannot change your own role."
SELF_DEACTIVATE = "You cannot deactivate your own account."
SELF_DELETE = "You cannot delete your own account."
LAST_ADMIN = "This is the last active admin: make someone else an admin first."


def other_active_admins(target: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.is_admin, User.is_active, User.deleted_at.is_(None), User.id != target.id)
    )


def change_problems(actor: User, target: User, *, role: str, is_active: bool) -> dict:
    """Form errors by field for a role or active-flag change; empty when the change is allowed."""
    problems: dict[str, str] = {}
    stays_admin = role == Role.admin
    if target.id == actor.id:
        if role != target.role:
            problems["role"] = SELF_DEMOTE
        if not is_active:
            problems["is_active"] = SELF_DEACTIVATE
    losing_admin = target.is_admin and target.is_active and not (stays_admin and is_active)
    if not problems and losing_admin and other_active_admins(target) == 0:
        problems["role" if not stays_admin else "is_active"] = LAST_ADMIN
    return problems


def delete_problem(actor: User, target: User) -> str | None:
    if target.id == actor.id:
        return SELF_DELETE
    if target.is_admin and target.is_active and other_active_admins(target) == 0:
        return LAST_ADMIN
    return None
