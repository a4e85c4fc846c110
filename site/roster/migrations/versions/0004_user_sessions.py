"""Server-side session records replace the per-user session token.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

Every sign-in becomes a row that the session and remember cookies name; ending the row ends
every copy of those cookies. `users.session_token` (one token per user, rotated to sign out
everywhere) goes: the cookies it signed no longer load, so everyone signs in once again.
The column is dropped with ALTER TABLE rather than a batch copy, which would drop the search
triggers of 0002 on SQLite (SQLite has had DROP COLUMN since 3.35).
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    op.create_index("ix_user_sessions_user_id_ended_at", "user_sessions", ["user_id", "ended_at"])
    op.execute("ALTER TABLE users DROP COLUMN session_token")


def downgrade():
    # Every user gets a fresh token: sessions of the newer version do not carry one.
    op.add_column(
        "users",
        sa.Column(
            "session_token",
            sa.String(length=32),
            nullable=False,
            server_default=secrets.token_urlsafe(16),
        ),
    )
    op.drop_table("user_sessions")
