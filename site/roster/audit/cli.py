"""`flask --app roster purge-audit`: the audit log is append-only; this keeps it bounded."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import delete, select

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.purging import purge_command

# Deleted and committed a batch at a time: SQLite's single writer (signing in, say) never
# waits long behind a purge of millions of entries.
BATCH = 10_000


@purge_command("purge-audit", "Delete the audit entries written at least this many days ago.")
def purge_audit(cutoff: datetime) -> None:
    """Delete audit entries older than N days, and say how many went."""
    purged = 0
    while True:
        batch = (
            select(AuditEntry.id)
            .where(AuditEntry.created_at < cutoff)
            .order_by(AuditEntry.created_at)
            .limit(BATCH)
        )
        deleted = db.session.execute(delete(AuditEntry).where(AuditEntry.id.in_(batch))).rowcount
        db.session.commit()
        purged += deleted
        if deleted < BATCH:
            break
    click.echo(f"Deleted {purged} audit entr{'y' if purged == 1 else 'ies'}.")
