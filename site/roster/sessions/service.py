"""Signing in and out on server-side session records, and ending them.

The cookies (Flask's session cookie and Flask-Login's remember cookie) carry
`<user id>:<session id>:<secret>`, Flask-Login's "alternative token": the user loader finds the
record by primary key (one query, or one Redis round trip) and accepts the cookie only while
the record is open and the secret matches its hash. Ending the record is therefore the end of
every copy of those cookies.

Sessions end on sign-out and revocation (here), and by themselves when an account changes in
a way that must sign it out everywhere (`end_sessions_on_account_change`): a new password, a
deactivation, a deletion. Reactivating or restoring the account brings none of them back.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import login_user
from sqlalchemy import Select, bindparam, inspect, select, update
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value

from roster.conditional import version_column
from roster.extensions import db
from roster.sessions.cache import SessionCache
from roster.sessions.models import USER_AGENT_LENGTH, UserSession
from roster.templating import as_utc
from roster.users.models import User, utcnow

# Why a session ended (`UserSession.end_reason`).
SIGNED_OUT = "signed-out"
REVOKED = "revoked"
REVOKED_BY_ADMIN = "revoked-by-admin"
PASSWORD_CHANGED = "password-changed"  # noqa: S105 (a reason, not a password)
DEACTIVATED = "deactivated"
DELETED = "deleted"
REUSED = "remember-token-reused"

# Flask-Login's default lifetime of the remember cookie.
REMEMBER_DURATION = timedelta(days=365)
# `execution_options` flag of statements that note their own changes for the cache.
NOTED = "roster_sessions_noted"


# ---- cookies --------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """SHA-256 is enough: the secret is 256 random bits, not a password to guess."""
    return hashlib.sha256(secret.encode()).hexdigest()


def cookie_identity(record: UserSession, secret: str) -> str:
    return f"{record.user_id}:{record.id}:{secret}"


def parse_identity(value: str) -> tuple[int, int, str] | None:
    user_id, _, rest = value.partition(":")
    session_id, _, secret = rest.partition(":")
    if not (user_id.isdecimal() and session_id.isdecimal() and secret.isascii() and secret):
        return None
    if len(user_id) > 18 or len(session_id) > 18:  # beyond any database's integer
        return None
    return int(user_id), int(session_id), secret


def client_address() -> str:
    return (request.remote_addr or "")[:45]


def idle_limit(record: UserSession) -> timedelta:
    """A remembered session lasts as long as its cookie; any other one ends when left idle."""
    config = current_app.config
    if record.remember:
        duration = config.get("REMEMBER_COOKIE_DURATION", REMEMBER_DURATION)
        return timedelta(seconds=duration) if isinstance(duration, int) else duration
    return config["SESSION_IDLE_TIMEOUT"]


def current_session() -> UserSession | None:
    """The record of the signed-in session serving this request (None when anonymous)."""
    return g.get("user_session")


# ---- signing in and out ---------------------------------------------------------------------


def sign_in(user: User, *, remember: bool) -> UserSession:
    """Open a session record for `user` on this browser and sign in on it (commits)."""
    secret = secrets.token_urlsafe(32)
    record = UserSession(
        user_id=user.id,
        secret_hash=hash_secret(secret),
        remember=remember,
        ip_address=client_address(),
        user_agent=(request.user_agent.string or "")[:USER_AGENT_LENGTH],
    )
    db.session.add(record)
    note_sign_in(user)
    db.session.commit()
    login_user(user, remember=remember)
    # Flask-Login stores get_id() (the bare user id); both cookies carry the record instead.
    session["_user_id"] = cookie_identity(record, secret)
    g.user_session = record
    return record


def note_sign_in(user: User) -> None:
    """Keep the time of this sign-in on the user (the admin table's last-sign-in column).

    An UPDATE statement rather than an attribute: a sign-in is not an edit of the account, so
    the row's version (an admin editing it meanwhile) and `updated_at` stay as they are. The
    session cache keeps its copies of the user (marked as noted): nothing it answers reads
    this column, and a tombstone would keep the new session out of the cache for a while.
    """
    now = utcnow()
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(last_sign_in_at=now, updated_at=User.updated_at)
        .execution_options(synchronize_session=False, **{NOTED: True})
    )
    set_committed_value(user, "last_sign_in_at", now)


def end_current_session(reason: str = SIGNED_OUT) -> None:
    """End this request's session record (sign-out); the caller then clears the cookies."""
    record = current_session()
    if record is not None:
        end_session(record.user_id, record.id, reason)
        db.session.commit()


def end_session(user_id: int, session_id: int, reason: str) -> bool:
    """End one open session of `user_id`; False when there is no such open session.

    The caller commits (the cache forgets the session at commit).
    """
    return bool(
        _end(
            db.session,
            (UserSession.id == session_id, UserSession.user_id == user_id),
            reason,
        )
    )


def end_sessions(user_id: int, reason: str, *, keep: int | None = None) -> list[int]:
    """End every open session of `user_id` except `keep`; the ids ended. The caller commits.

    For flows that must sign a user out everywhere else (a password reset, "sign out other
    devices"); password changes, deactivation and deletion already do it on their own.
    """
    criteria: list[Any] = [UserSession.user_id == user_id]
    if keep is not None:
        criteria.append(UserSession.id != keep)
    return _end(db.session, criteria, reason)


def end_sessions_of(user_ids: Select, reason: str) -> int:
    """End every open session of the users in `user_ids` (a SELECT of ids) in one statement;
    how many ended. The caller commits.

    For bulk actions, whose Core UPDATE of users the flush hook below never sees. No ids come
    back: the statement is not marked as noted, so the cache forgets everything at commit.
    """
    statement = (
        update(UserSession)
        .where(UserSession.ended_at.is_(None), UserSession.user_id.in_(user_ids))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount


def _end(orm_session: OrmSession, criteria: Sequence[Any], reason: str) -> list[int]:
    statement = (
        update(UserSession)
        .where(UserSession.ended_at.is_(None), *criteria)
        .values(ended_at=utcnow(), end_reason=reason)
        .returning(UserSession.id)
        .execution_options(synchronize_session=False, **{NOTED: True})
    )
    ended = list(orm_session.scalars(statement))
    note_stale(orm_session, session_ids=ended)
    for record in orm_session.identity_map.values():
        if isinstance(record, UserSession) and record.id in ended:
            set_committed_value(record, "ended_at", utcnow())
            set_committed_value(record, "end_reason", reason)
    return ended


def open_sessions(user_id: int) -> list[UserSession]:
    """The user's open sessions, the most recently used first."""
    records = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    now = utcnow()
    return [record for record in records if record.is_open(now, idle_limit(record))]


# ---- the user loader ------------------------------------------------------------------------


def load_user(identity: str) -> User | None:
    """The user a cookie signs in, or None: the Flask-Login user loader's whole job.

    A remember token that was rotated away and comes back after the grace period is a stolen
    copy (or the victim's, after the thief used it first): the session ends for both.
    """
    parsed = parse_identity(identity)
    if parsed is None:
        return None
    user_id, session_id, secret = parsed
    record, user, touch_due = lookup(user_id, session_id)
    if record is None or user is None or record.user_id != user_id:
        return None
    now = utcnow()
    if not record.is_open(now, idle_limit(record)) or user.deleted_at or not user.is_active:
        return None
    digest = hash_secret(secret)
    if not hmac.compare_digest(digest, record.secret_hash):
        if not (record.previous_hash and hmac.compare_digest(digest, record.previous_hash)):
            return None
        if not within_grace(record, now):
            end_outside_request(record, REUSED)
            return None
        # The browser's own parallel request, sent before the rotation reached it.
        g.rotated_elsewhere = True
    if touch_due is None:
        touch_due = (now - as_utc(record.last_seen_at)).total_seconds() >= touch_interval()
    if touch_due:
        touch(record, now)
    g.user_session = record
    return user


def lookup(user_id: int, session_id: int) -> tuple[UserSession | None, User | None, bool | None]:
    """The record and its user from the cache, else one query (a join by primary key, which
    also reads the user table's version for roster.conditional).

    The third value says whether last-seen is due (None: decide by the record's time).
    """
    cache = session_cache()
    if cache is not None:
        record, user, touch_due = cache.fetch(user_id, session_id, touch_interval())
        if record is not None and user is not None:
            return record, user, touch_due
    row = db.session.execute(lookup_statement(), {"session_id": session_id}).first()
    if row is None:
        return None, None, None
    record, user, users_version = row
    # Read along for conditional requests about the user table: no statement of its own.
    g.setdefault("table_versions", {})["users"] = users_version
    if cache is not None and record.ended_at is None:
        cache.store(record, user)
        return record, user, touch_due
    return record, user, None


@functools.cache
def lookup_statement() -> Select:
    """The session joined to its user, and the user table's version: built once per process
    (building it was a tenth of a signed-in request)."""
    return (
        select(UserSession, User, version_column("users"))
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == bindparam("session_id"))
    )


def within_grace(record: UserSession, now: datetime) -> bool:
    grace = timedelta(seconds=current_app.config["SESSION_ROTATION_GRACE"])
    return record.rotated_at is not None and now - as_utc(record.rotated_at) <= grace


def touch_interval() -> int:
    return current_app.config["SESSION_TOUCH_INTERVAL"]


def touch(record: UserSession, now: datetime) -> None:
    """Write last-seen and the address, on a connection of its own.

    Outside the request's transaction, so that a read-only request commits nothing of its own
    and a failing view cannot take the write down with it; at most once a minute per session.
    """
    address = client_address()
    with db.engine.begin() as connection:
        connection.execute(
            update(UserSession.__table__)
            .where(UserSession.__table__.c.id == record.id)
            .values(last_seen_at=now, ip_address=address)
        )
    set_committed_value(record, "last_seen_at", now)
    set_committed_value(record, "ip_address", address)


def end_outside_request(record: UserSession, reason: str) -> None:
    """End a session from inside the user loader, without committing the request's work."""
    table = UserSession.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == record.id, table.c.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )
    if (cache := session_cache()) is not None:
        cache.forget([record.id], [])


def rotate_remember_token(_app: Flask, user: User) -> None:
    """Flask-Login signal: the remember cookie just signed in; it gets a new secret.

    The old one stays known for the grace period. A parallel request of the same browser that
    lost the race (or came within the grace period) stays signed in for that request only.
    """
    record = current_session()
    if record is None or g.pop("rotated_elsewhere", False):
        session.pop("_user_id", None)
        return
    secret = secrets.token_urlsafe(32)
    table = UserSession.__table__
    now = utcnow()
    with db.engine.begin() as connection:
        won = connection.execute(
            update(table)
            .where(table.c.id == record.id, table.c.secret_hash == record.secret_hash)
            .values(
                previous_hash=record.secret_hash, secret_hash=hash_secret(secret), rotated_at=now
            )
        ).rowcount
    if not won:
        session.pop("_user_id", None)
        return
    set_committed_value(record, "previous_hash", record.secret_hash)
    set_committed_value(record, "secret_hash", hash_secret(secret))
    set_committed_value(record, "rotated_at", now)
    if (cache := session_cache()) is not None:
        cache.forget([record.id], [])
    session["_user_id"] = cookie_identity(record, secret)
    session["_remember"] = "set"  # Flask-Login writes the new remember cookie after the request


# ---- sessions that end on their own ---------------------------------------------------------


def account_change(user: User) -> str | None:
    """Why this pending change to `user` must end every session of theirs, if it must."""
    state = inspect(user)
    # has_changes, not the old value: an attribute set while expired has no old value.
    if state.attrs.password_hash.history.has_changes():
        return PASSWORD_CHANGED
    if not user.is_active and state.attrs.is_active.history.has_changes():
        return DEACTIVATED
    if user.deleted_at is not None and state.attrs.deleted_at.history.has_changes():
        return DELETED
    return None


def end_sessions_on_account_change(orm_session: OrmSession, *_: Any) -> None:
    """before_flush: a new password, a deactivation or a deletion ends all the user's sessions.

    Here rather than in each view, so that every way of changing an account (the admin table,
    the profile, a password reset, the command line) signs it out everywhere. The session
    making a password change gets a new record from its view (`sign_in`).
    """
    for user in list(orm_session.dirty):
        if isinstance(user, User) and (reason := account_change(user)):
            _end(orm_session, [UserSession.user_id == user.id], reason)


# ---- keeping the cache honest ---------------------------------------------------------------


@dataclass
class Stale:
    """What the cache must forget when the transaction commits."""

    session_ids: set[int] = field(default_factory=set)
    user_ids: set[int] = field(default_factory=set)
    everything: bool = False


def stale_of(orm_session: OrmSession) -> Stale:
    return orm_session.info.setdefault("roster_sessions_stale", Stale())


def note_stale(
    orm_session: OrmSession, *, session_ids: Sequence[int] = (), user_ids: Sequence[int] = ()
) -> None:
    stale = stale_of(orm_session)
    stale.session_ids.update(session_ids)
    stale.user_ids.update(user_ids)


def note_flushed_rows(orm_session: OrmSession, *_: Any) -> None:
    """after_flush: every user or session row changed by the unit of work (new ones are in no
    cache yet: a tombstone would only keep them out of it for a while)."""
    for row in (*orm_session.dirty, *orm_session.deleted):
        if isinstance(row, User):
            note_stale(orm_session, user_ids=[row.id])
        elif isinstance(row, UserSession):
            note_stale(orm_session, session_ids=[row.id])


def note_bulk_statements(state: ORMExecuteState) -> None:
    """do_orm_execute: an UPDATE or DELETE statement on users or sessions (ids unknown)."""
    if not (state.is_update or state.is_delete) or state.execution_options.get(NOTED):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in {User.__tablename__, UserSession.__tablename__}:
        stale_of(state.session).everything = True


def forget_committed(orm_session: OrmSession) -> None:
    """after_commit: tombstone the cache entries of everything this transaction changed."""
    stale = orm_session.info.pop("roster_sessions_stale", None)
    cache = session_cache()
    if stale is not None and cache is not None:
        cache.forget(stale.session_ids, stale.user_ids, everything=stale.everything)


def drop_stale(orm_session: OrmSession, *_: Any) -> None:
    """after_rollback: nothing changed after all."""
    orm_session.info.pop("roster_sessions_stale", None)


def session_cache() -> SessionCache | None:
    return current_app.extensions.get("roster_session_cache")
