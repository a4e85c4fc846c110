"""Two-factor sign-in: whether it is on (users), the authenticator secrets and recovery codes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14

The secrets live in a table of their own, not on the user row that the session cache copies
to Redis. A plain ADD COLUMN on users (no batch copy), so SQLite keeps the search triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("mfa_enabled_at", sa.DateTime(timezone=True)))
    op.create_table(
        "mfa_authenticators",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mfa_authenticators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mfa_authenticators")),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mfa_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
    )
    op.create_index(
        "ix_mfa_recovery_codes_user_id_code_hash",
        "mfa_recovery_codes",
        ["user_id", "code_hash"],
    )


def downgrade() -> None:
    op.drop_index("ix_mfa_recovery_codes_user_id_code_hash", table_name="mfa_recovery_codes")
    op.drop_table("mfa_recovery_codes")
    op.drop_table("mfa_authenticators")
    # Not a batch: SQLite (3.35+) drops a column in place and keeps the search triggers.
    op.drop_column("users", "mfa_enabled_at")
