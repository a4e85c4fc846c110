"""The audit log: one append-only row per change, indexed for each filter of /audit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

No foreign keys to users on purpose: purging a user must not remove or rewrite its history;
the usernames are copied into each entry.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_name", sa.String(length=32), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_created_at_id", "audit_entries", ["created_at", "id"])
    op.create_index("ix_audit_entries_actor_id", "audit_entries", ["actor_id", "created_at", "id"])
    op.create_index(
        "ix_audit_entries_target_id", "audit_entries", ["target_id", "created_at", "id"]
    )
    op.create_index("ix_audit_entries_action", "audit_entries", ["action", "created_at", "id"])


def downgrade():
    op.drop_table("audit_entries")
