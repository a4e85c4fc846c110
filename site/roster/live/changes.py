"""Announce each commit that wrote to the audit log, once it is committed.

Every change worth showing live is already an audit entry written in the change's own
transaction (roster.audit), so "the audit log grew" is the one signal the live layer needs:
no view or service announces anything itself. Entries added through the ORM give their ids;
`record_each` (INSERT ... SELECT) does not, and is announced without one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from roster.audit.models import AuditEntry

PENDING = "roster_live_pending"
UNKNOWN = 0


def note_flushed_entries(orm_session: OrmSession, *_: Any) -> None:
    ids = [obj.id for obj in orm_session.new if isinstance(obj, AuditEntry)]
    if ids:
        _note(orm_session, max(ids))


def note_bulk_entries(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if state.is_insert and getattr(table, "name", None) == AuditEntry.__tablename__:
        _note(state.session, UNKNOWN)


def announce_committed(orm_session: OrmSession) -> None:
    pending = orm_session.info.pop(PENDING, None)
    if pending is None or not has_app_context():
        return
    hub = current_app.extensions.get("roster.live")
    if hub is not None:
        hub.announce(pending or None)


def forget_rolled_back(orm_session: OrmSession, *_: Any) -> None:
    orm_session.info.pop(PENDING, None)


def _note(orm_session: OrmSession, entry_id: int) -> None:
    known = orm_session.info.get(PENDING)
    if known is None:
        orm_session.info[PENDING] = entry_id
    elif known != UNKNOWN and entry_id != UNKNOWN:
        orm_session.info[PENDING] = max(known, entry_id)
    else:
        orm_session.info[PENDING] = UNKNOWN


SESSION_EVENTS = (
    ("after_flush", note_flushed_entries),
    ("do_orm_execute", note_bulk_entries),
    ("after_commit", announce_committed),
    ("after_rollback", forget_rolled_back),
)
