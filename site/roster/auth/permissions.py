"""Who may do what: the one map from roles to permissions, and the checks that read it.

Views ask `@permission_required(Permission.X)`, code asks `can(Permission.X)` and templates
`can("x.y")`; nothing else asks for a role. Changing what a role may do is one line below.

Moderators read everything admins read (the user table, a user's details, the audit log, so
that they can tell a spammer from a user with a bad day) and change nothing but posts.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required
from jinja2 import pass_context
from jinja2.runtime import Context

from roster.users.policy import Role

P = ParamSpec("P")
R = TypeVar("R")


class Permission(StrEnum):
    USERS_READ = "users.read"  # the user table and a user's details
    USERS_CHANGE = "users.change"  # create, edit, delete, restore, purge; resend their mail
    USERS_EXPORT = "users.export"  # every matching user's email at once: admins only
    POSTS_MODERATE = "posts.moderate"  # hide, unhide and delete anyone's posts
    AUDIT_READ = "audit.read"  # /audit, and a user's history on their details page
    SESSIONS_REVOKE_ANY = "sessions.revoke_any"  # sign out another user's sessions


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.moderator: frozenset(
        {Permission.USERS_READ, Permission.POSTS_MODERATE, Permission.AUDIT_READ}
    ),
    Role.member: frozenset(),
}


def has_permission(user: Any, permission: Permission | str) -> bool:
    """True when `user` is signed in and their role grants `permission` (a typo raises)."""
    permission = Permission(permission)
    if user is None or not user.is_authenticated:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


def can(permission: Permission | str, user: Any = None) -> bool:
    """Whether the signed-in user (or `user`) has `permission`."""
    return has_permission(current_user if user is None else user, permission)


@pass_context
def template_can(context: Context, permission: str) -> bool:
    """`can("posts.moderate")` in a template: asks about the page's `current_user` (which the
    fragment catalog sets to its sample user), so a block shows what that user may do."""
    return has_permission(context.get("current_user"), permission)


def permission_required(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Anonymous users go to sign in (htmx: HX-Redirect); signed in without it: 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
