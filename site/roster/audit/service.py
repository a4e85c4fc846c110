"""Writing the audit log: `record` adds an entry to the caller's transaction, never commits.

The caller's commit writes the change and its entry together, or neither: a change that fails
leaves no entry, and an entry never describes a change that did not happen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, Integer, Select, String, insert, inspect, literal, select

from roster.audit.actions import ACTIONS
from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.users.models import User, utcnow

Changes = Mapping[str, tuple[Any, Any]]

REDACTED = "[hidden]"
# A field whose name contains one of these holds a secret: its values never reach the log.
SECRET_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "hash",
    "csrf",
    "otp",
    "recovery",
    "salt",
    "nonce",
    "credential",
)
# Values that are password hashes whatever the field is called (werkzeug's and others').
HASH_VALUE = re.compile(r"^(scrypt|pbkdf2|argon2|bcrypt|\$2[aby]?\$|\$argon2)", re.IGNORECASE)
# Bookkeeping that changes with every save, or follows another field (the email's key), and
# says nothing more about what the actor did.
UNAUDITED = frozenset({"updated_at", "version", "email_key"})


def record(
    action: str,
    *,
    target: User | None = None,
    changes: Changes | None = None,
    actor: User | None = None,
) -> AuditEntry:
    """Add one entry to the session; the caller's commit writes it with the change.

    `actor` defaults to the signed-in user (None: anonymous, or the command line); the client
    address comes from the request, if there is one. Secret fields are masked (`scrub`).
    """
    who = actor if actor is not None else _signed_in_user()
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=who.id if who else None,
        actor_name=who.username if who else None,
        action=_known(action),
        target_name=target.username if target else None,
        changes=scrub(changes or {}),
        address=_client_address(),
    )
    # Through the relationship: a target inserted in this transaction gets its id at flush.
    entry.target = target
    db.session.add(entry)
    return entry


def record_changes(
    action: str, obj: Any, *, target: User | None = None, actor: User | None = None
) -> AuditEntry | None:
    """Record the unsaved changes of `obj` (`changes_of`), if it has any: a save that changes
    nothing leaves no entry. The target is `obj` itself when it is a user."""
    changes = changes_of(obj)
    if not changes:
        return None
    if target is None and isinstance(obj, User):
        target = obj
    return record(action, target=target, changes=changes, actor=actor)


def record_each(
    action: str,
    user_ids: Select,
    *,
    changes: Changes | None = None,
    actor: User | None = None,
    batch: str | None = None,
    at: datetime | None = None,
) -> int:
    """One entry per user in `user_ids` (a SELECT of ids), in one INSERT ... SELECT statement.

    For actions over many users at once (bulk actions, purges): no row travels through Python,
    however many users match. `batch` marks the entries of one bulk action (which then changes
    the users they name); `at` is their time (default: now). Returns how many were written.
    """
    who = actor if actor is not None else _signed_in_user()
    rows = select(
        literal(at or utcnow(), DateTime(timezone=True)),
        literal(who.id if who else None, Integer),
        literal(who.username if who else None, String),
        literal(_known(action), String),
        User.id,
        User.username,
        literal(scrub(changes or {}), JSON),
        literal(_client_address(), String),
        literal(batch, String),
    ).where(User.id.in_(user_ids))
    columns = [
        "created_at",
        "actor_id",
        "actor_name",
        "action",
        "target_id",
        "target_name",
        "changes",
        "address",
        "batch",
    ]
    return db.session.execute(insert(AuditEntry).from_select(columns, rows)).rowcount


def changes_of(obj: Any) -> dict[str, tuple[Any, Any]]:
    """The columns of `obj` changed in this session and not yet flushed: {name: (old, new)}.

    Read from SQLAlchemy's attribute history, so a caller records exactly what it is about to
    commit, without copying the old values first. An attribute set after its object expired (a
    commit expires everything) has no old value in memory: those are read from the database.
    """
    state = inspect(obj)
    found: dict[str, tuple[Any, Any]] = {}
    unknown: list[str] = []
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if attr.key in UNAUDITED or not history.has_changes():
            continue
        new = history.added[0] if history.added else None
        if history.deleted:
            found[attr.key] = (history.deleted[0], new)
        elif state.persistent:
            unknown.append(attr.key)
        else:
            found[attr.key] = (None, new)
    if unknown:
        found.update(_stored_values(obj, unknown))
    return {key: (old, new) for key, (old, new) in found.items() if old != new}


def _stored_values(obj: Any, keys: list[str]) -> dict[str, tuple[Any, Any]]:
    """(stored, unsaved) for `keys` of a persistent `obj`: the stored ones in one query.

    By the identity key, which needs no load, and without autoflush, which would store the
    unsaved values first.
    """
    state = inspect(obj)
    columns = [state.mapper.column_attrs[key].expression for key in keys]
    where = [
        column == value
        for column, value in zip(state.mapper.primary_key, state.identity, strict=True)
    ]
    with db.session.no_autoflush:
        stored = db.session.execute(select(*columns).where(*where)).one()
    return {key: (old, state.dict[key]) for key, old in zip(keys, stored, strict=True)}


def scrub(changes: Changes) -> dict[str, list[Any]]:
    """JSON-ready changes with every secret masked: by field name, and by hash-like value."""
    return {
        str(field): [_safe(field, old), _safe(field, new)] for field, (old, new) in changes.items()
    }


def is_secret(field: str) -> bool:
    name = field.lower()
    return any(word in name for word in SECRET_WORDS)


def _safe(field: str, value: Any) -> Any:
    if value is None:
        return None
    if is_secret(field):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): _safe(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_safe(field, item) for item in value]
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes; they were stored as UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return REDACTED if HASH_VALUE.match(value) else value
    if isinstance(value, bool | int | float):
        return value
    return str(value)


def _known(action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: add it to roster.audit.actions.")
    return action


def _signed_in_user() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _client_address() -> str | None:
    """The client's address as the app sees it (behind TRUSTED_PROXIES, the forwarded one)."""
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:64]
