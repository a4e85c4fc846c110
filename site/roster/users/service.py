"""Changing accounts: every write to a user goes through here, with the acting user and the change.

Views parse a form into a small change object and call one of `create_user`, `update_user`,
`delete_user`, `restore_user` or `purge_users`; a change the rules refuse raises `Refused` (a
clash with another account: `DuplicateUserError`), which `roster.submission.submit` puts on the
form. A change that raced another one raises `roster.conflicts.Conflict` (an edit of an
outdated version: `StaleVersionError`; a user deleted meanwhile: `Gone`) and writes nothing,
for the view to show both sides. Registration and the command line act as nobody
(`actor=None`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from roster.audit.service import record_changes, record_each
from roster.conflicts import Conflict, Gone
from roster.extensions import db
from roster.idempotency import Once, raise_if_key_clash, remember
from roster.submission import Refused
from roster.users import rules
from roster.users.models import User, utcnow
from roster.users.policy import TAKEN_MESSAGES, Role, email_key, fold, identifier_key
from roster.users.queries import live_users

# What the database names when a unique index refuses a row, and the form field it guards:
# the index (PostgreSQL; SQLite for an expression index) or the column (SQLite otherwise).
UNIQUE_INDEX_FIELDS = {"uq_users_username_lower": "username", "email_key": "email"}
STALE = "Someone else saved a change to this user while you were editing."
CHANGED_MEANWHILE = "Someone else changed {name} just now: look again, then try again."
DELETED_MEANWHILE = "Someone else deleted {name} meanwhile."


class DuplicateUserError(Refused):
    """Another account already has this username or email (the first field named is `field`)."""

    def __init__(self, *fields: str) -> None:
        super().__init__({name: TAKEN_MESSAGES[name] for name in fields})
        self.field = fields[0]


class StaleVersionError(Conflict):
    """The user changed since the editor loaded it: saving would overwrite that change unseen."""

    def __init__(self, message: str = STALE) -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class NewUser:
    """An account to create, as the form or the command line gave it."""

    username: str
    email: str
    password: str | None
    display_name: str = ""
    role: str = Role.member


@dataclass(frozen=True, slots=True)
class UserChange:
    """An admin's edit of an account; None leaves that part as it is."""

    username: str
    email: str
    role: str
    display_name: str | None = None
    is_active: bool | None = None
    password: str | None = None


def find_for_login(identifier: str) -> User | None:
    """The active account whose username or email is `identifier`, without regard to case.

    Usernames are ASCII (policy.USERNAME_PATTERN), so lower() matches them; both keys are
    unique, and no username has an "@", so at most one account matches.
    """
    key = identifier_key(identifier)
    return db.session.scalar(
        live_users().where(
            User.is_active, or_(func.lower(User.username) == key, User.email_key == key)
        )
    )


def is_taken(field: str, value: str, *, exclude_id: int | None = None) -> bool:
    """True when another account, deleted ones included, already uses `value` for `field`."""
    if field == "email":
        query = select(User.id).where(User.email_key == email_key(value))
    else:
        query = select(User.id).where(func.lower(User.username) == fold(value))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    # Both keys have a unique index: at most one row.
    return db.session.scalar(query) is not None


def taken_problems(*, exclude_id: int | None = None, **values: str) -> dict[str, str]:
    """A "taken" message for each field whose value another account already has."""
    return {
        name: TAKEN_MESSAGES[name]
        for name, value in values.items()
        if is_taken(name, value, exclude_id=exclude_id)
    }


def mark_taken(form: Any, fields: tuple[str, ...], *, exclude_id: int | None = None) -> bool:
    """Put a "taken" error on each of `fields` whose value another account has; True if any.

    Only well-formed values are looked up (a field with errors already says what is wrong, and
    a malformed value cannot be taken), as registration's inline checks do.
    """
    values = {name: form[name].data for name in fields if not form[name].errors}
    problems = taken_problems(exclude_id=exclude_id, **values)
    for name, message in problems.items():
        form[name].errors.append(message)
    return bool(problems)


def hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def create_user(actor: User | None, new: NewUser, *, once: Once | None = None) -> User:
    """Insert and commit an account; one that clashes with another raises DuplicateUserError.

    Without a password the account waits for its owner to choose one (an invite). `once`: the
    create form's key, stored with the account (roster.idempotency).
    """
    if taken := taken_problems(username=new.username, email=new.email):
        raise DuplicateUserError(*taken)
    user = User(
        username=new.username.strip(),
        email=new.email.strip(),
        role=Role(new.role).value,
        display_name=new.display_name.strip(),
    )
    if new.password is None:
        user.set_unusable_password()
    else:
        user.set_password(new.password, method=hash_method())
    db.session.add(user)
    record_changes("user.create", user, actor=actor)
    commit_or_report_duplicate(once, user)
    return user


def update_user(actor: User, user: User, change: UserChange, version: str | int) -> User:
    """Apply an admin's edit of `user`, made on `version`, within the admin safety rules."""
    is_active = user.is_active if change.is_active is None else change.is_active
    with unchanged_since(user, version):
        problems = {
            **taken_problems(exclude_id=user.id, username=change.username, email=change.email),
            **rules.change_problems(actor, user, role=change.role, is_active=is_active),
        }
        if problems:
            raise Refused(problems)
        was_admin = user.is_active_admin
        user.username = change.username.strip()
        user.email = change.email.strip()
        if change.display_name is not None:
            user.display_name = change.display_name.strip()
        user.role = Role(change.role).value
        user.is_active = is_active
        if change.password:
            # A reset password ends the user's sessions (roster.sessions, on flush).
            user.set_password(change.password, method=hash_method())
        record_changes("user.update", user, actor=actor)
        with reporting_duplicates():
            if was_admin and not user.is_active_admin:
                rules.keep_an_active_admin("is_active" if user.is_admin else "role")
            db.session.commit()
    return user


def delete_user(actor: User, user: User) -> User:
    """Soft delete: nothing is lost, so `restore_user` brings the user (and posts) back exactly."""
    if problem := rules.delete_problem(actor, user):
        raise Refused({None: problem})
    with unchanged_since(user):
        was_admin = user.is_active_admin
        user.deleted_at = utcnow()
        record_changes("user.delete", user, actor=actor)
        if was_admin:
            rules.keep_an_active_admin()
        db.session.commit()
    return user


def restore_user(actor: User, user: User) -> User:
    """Undo a delete; restoring a user who is not deleted (any more) changes nothing."""
    if user.deleted_at is None:
        return user
    user_id, name = user.id, user.username
    try:
        user.deleted_at = None
        record_changes("user.restore", user, actor=actor)
        db.session.commit()
    except StaleDataError as error:
        # Another admin's restore won the race: what was asked is done. Anything else is news.
        db.session.rollback()
        if not is_live(user_id):
            raise Conflict(CHANGED_MEANWHILE.format(name=name)) from error
    return user


def purge_users(actor: User | None, user_ids: Select) -> int:
    """Delete for good the deleted users among `user_ids` (a SELECT of ids), with their posts.

    A user must be in the trash first: a live one is never purged. Two statements however
    many users match, each purge audited; returns how many users went. Their posts go by the
    foreign key's ON DELETE CASCADE (on SQLite too: every connection has foreign_keys=ON).
    """
    doomed = select(User.id).where(User.id.in_(user_ids), User.deleted_at.is_not(None))
    record_each("user.purge", doomed, actor=actor)
    purged = db.session.execute(delete(User).where(User.id.in_(doomed))).rowcount
    db.session.commit()
    return purged


@contextmanager
def unchanged_since(user: User, version: str | int | None = None) -> Iterator[None]:
    """Run a change of a live `user` only on the version the request saw, also when another
    save races it; otherwise nothing is written.

    `version` is the one the form was loaded at (None: the one loaded now). A deleted user
    raises Gone; a different version, or a commit that finds the row changed meanwhile
    (SQLAlchemy's version counter), StaleVersionError; or Gone if the change was a delete.
    """
    user_id, name = user.id, user.username
    if user.deleted_at is not None:
        raise Gone(DELETED_MEANWHILE.format(name=name))
    if version is not None and str(version) != str(user.version):
        raise StaleVersionError
    try:
        yield
    except StaleDataError as error:
        db.session.rollback()
        if not is_live(user_id):
            raise Gone(DELETED_MEANWHILE.format(name=name)) from error
        raise StaleVersionError(
            STALE if version is not None else CHANGED_MEANWHILE.format(name=name)
        ) from error


def is_live(user_id: int) -> bool:
    """Whether the user is there and not deleted, as committed now (after a rollback)."""
    query = select(User.id).where(User.id == user_id, User.deleted_at.is_(None))
    return db.session.scalar(query) is not None


@contextmanager
def reporting_duplicates() -> Iterator[None]:
    """Turn a unique-index violation in the block into DuplicateUserError naming the field, or
    AlreadySent when it is the key of a form sent twice (roster.idempotency)."""
    try:
        yield
    except IntegrityError as error:
        db.session.rollback()
        raise_if_key_clash(error)
        message = str(error.orig)
        for index, field in UNIQUE_INDEX_FIELDS.items():
            if index in message:
                raise DuplicateUserError(field) from error
        raise


def commit_or_report_duplicate(once: Once | None = None, made: User | None = None) -> None:
    """Commit (with `once`, the key of the form that `made` the user); a clash with another
    account's username or email is a DuplicateUserError."""
    with reporting_duplicates():
        if made is not None:
            remember(once, made)
        db.session.commit()
