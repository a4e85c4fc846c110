"""Bulk actions: the audit entries of one bulk action share a batch id.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-15

A bulk action writes its audit entries first, each carrying the action's batch id, then
changes exactly the users those entries name (`WHERE id IN (SELECT target_id ... WHERE batch
= ...)`); the undo of a bulk delete restores the users of its batch. Entries written one at a
time have no batch. Plain ADD COLUMN and CREATE INDEX: no batch copy on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("batch", sa.String(16)))
    op.create_index("ix_audit_entries_batch", "audit_entries", ["batch", "action"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_batch", table_name="audit_entries")
    op.drop_column("audit_entries", "batch")
