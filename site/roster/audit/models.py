"""The audit entry: one row per change, never updated, removed only by `purge-audit`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roster.extensions import db
from roster.users.models import User, utcnow

# SQLite assigns ids only to a column declared exactly INTEGER PRIMARY KEY.
ENTRY_ID = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(db.Model):
    """Who did what to whom, when and from which address, with the fields changed old -> new.

    The user ids carry no foreign key on purpose: purging a user must neither remove nor
    rewrite history. The usernames are copied in, so an entry still reads right after its
    users are renamed or purged.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        # Newest first, and the ranges of `after`, `before` and purge-audit.
        Index("ix_audit_entries_created_at_id", "created_at", "id"),
        # Each filter walks its own index in the page's order: no sort, no scan.
        Index("ix_audit_entries_actor_id", "actor_id", "created_at", "id"),
        Index("ix_audit_entries_target_id", "target_id", "created_at", "id"),
        Index("ix_audit_entries_action", "action", "created_at", "id"),
        # The entries of one bulk action: the users it changes, and the undo of a bulk delete.
        Index("ix_audit_entries_batch", "batch", "action"),
    )

    id: Mapped[int] = mapped_column(ENTRY_ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_name: Mapped[str | None] = mapped_column(String(32))
    # {"field": [old, new]}; secrets never reach it (see roster.audit.service.scrub).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))
    # Shared by the entries of one bulk action (roster.users.bulk); None for a single change.
    batch: Mapped[str | None] = mapped_column(String(16), default=None)

    # Set by `record` so that a user created in the same transaction gets its id at flush.
    target: Mapped[User | None] = relationship(
        primaryjoin="foreign(AuditEntry.target_id) == User.id", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.target_name!r}>"
