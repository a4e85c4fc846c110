"""Account rules shared by registration, the admin table and the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from roster.audit.service import record_changes
from roster.extensions import db
from roster.users.models import User

# The database's unique indexes, and the form field each one guards.
UNIQUE_INDEX_FIELDS = {"uq_users_username_lower": "username", "uq_users_email_lower": "email"}
TAKEN_MESSAGES = {
    "username": "That username is taken.",
    "email": "An account with that email already exists.",
}


class DuplicateUserError(ValueError):
    """The database refused a username or email that another account has."""

    def __init__(self, field: str) -> None:
        super().__init__(TAKEN_MESSAGES[field])
        self.field = field


def live_users():
    """Accounts that have not been deleted (a deleted one waits for undo or purge)."""
    return select(User).where(User.deleted_at.is_(None))


def find_for_login(identifier: str) -> User | None:
    """The active account whose username or email is `identifier`, without regard to case."""
    key = identifier.strip().lower()
    return db.session.scalar(
        live_users().where(
            User.is_active,
            or_(func.lower(User.username) == key, func.lower(User.email) == key),
        )
    )


def is_taken(field: str, value: str, *, exclude_id: int | None = None) -> bool:
    """True when another account, deleted ones included, already uses `value` for `field`."""
    column = getattr(User, field)
    query = select(User.id).where(func.lower(column) == value.strip().lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def mark_taken(form: Any, fields: tuple[str, ...], *, exclude_id: int | None = None) -> bool:
    """Put a "taken" error on each of `fields` whose value another account has; True if any."""
    taken = [name for name in fields if is_taken(name, form[name].data, exclude_id=exclude_id)]
    for name in taken:
        form[name].errors.append(TAKEN_MESSAGES[name])
    return bool(taken)


def hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def create_user(
    username: str,
    email: str,
    password: str,
    *,
    is_admin: bool = False,
    display_name: str = "",
) -> User:
    """Insert and commit a user; a clash the database catches raises DuplicateUserError."""
    user = User(
        username=username.strip(),
        email=email.strip(),
        is_admin=is_admin,
        display_name=display_name.strip(),
    )
    user.set_password(password, method=hash_method())
    db.session.add(user)
    record_changes("user.create", user)
    commit_or_report_duplicate()
    return user


def commit_or_report_duplicate() -> None:
    """Commit; turn a unique-index violation into DuplicateUserError naming the field."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        message = str(error.orig)
        for index, field in UNIQUE_INDEX_FIELDS.items():
            if index in message:
                raise DuplicateUserError(field) from error
        raise


# SQLite's search index (migration 0002) follows inserts through this trigger, one row at a time.
SEARCH_INSERT_TRIGGER = "users_search_insert"


@contextmanager
def search_indexed_in_bulk() -> Iterator[None]:
    """Index the users inserted inside the block in one statement, not one trigger per row.

    For bulk loads (the seed command): on SQLite the per-row FTS5 trigger makes inserting
    100,000 users about three times slower. The trigger is dropped for the block and put back
    afterwards, also when the block fails (its inserts are then rolled back, so nothing is
    left unindexed). Other writers during the block are not indexed: a seeding tool only.
    PostgreSQL's trigram indexes are ordinary indexes: nothing to do there.
    """
    trigger = None
    if db.engine.dialect.name == "sqlite":
        trigger = db.session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": SEARCH_INSERT_TRIGGER},
        )
    if trigger is None:
        yield
        return
    last_id = db.session.scalar(select(func.max(User.id))) or 0
    db.session.execute(text(f"DROP TRIGGER {SEARCH_INSERT_TRIGGER}"))
    try:
        yield
        db.session.execute(
            text(
                "INSERT INTO users_search(rowid, username, email, display_name)"
                " SELECT id, username, email, display_name FROM users WHERE id > :last_id"
            ),
            {"last_id": last_id},
        )
    finally:
        db.session.execute(text(trigger))
