"""Roles and moderation: users get a role in place of is_admin, posts can be hidden.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Admins become role admin, everyone else member. The column is added with a plain ADD COLUMN
carrying its CHECK (both engines accept a named column constraint there), and is_admin is
dropped in place (SQLite 3.35+), so SQLite keeps the search triggers of 0002: no batch copy.
Posts get hidden_at, hidden_by_id (who hid it; SET NULL when that user is purged) and
hidden_reason.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


@contextmanager
def reflecting_users() -> Iterator[None]:
    """SQLite's batch copy of posts reflects the users table its foreign keys name, and warns
    that it cannot reflect users' expression indexes: they are not touched, so nothing is lost."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection", category=sa.exc.SAWarning
        )
        yield


def upgrade() -> None:
    op.execute(
        "ALTER TABLE users ADD COLUMN role VARCHAR(16) DEFAULT 'member' NOT NULL"
        " CONSTRAINT ck_users_role CHECK (role IN ('admin', 'moderator', 'member'))"
    )
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin")
    op.drop_index("ix_users_is_admin_id", table_name="users")
    op.drop_column("users", "is_admin")
    op.create_index("ix_users_role_id", "users", ["role", "id"])
    # SQLite copies the posts table to add the foreign key (posts have no triggers to lose).
    with reflecting_users(), op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("hidden_by_id", sa.Integer()))
        batch.add_column(sa.Column("hidden_reason", sa.String(length=200)))
        batch.create_foreign_key(
            op.f("fk_posts_hidden_by_id_users"),
            "users",
            ["hidden_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with reflecting_users(), op.batch_alter_table("posts") as batch:
        batch.drop_constraint(op.f("fk_posts_hidden_by_id_users"), type_="foreignkey")
        for column in ("hidden_reason", "hidden_by_id", "hidden_at"):
            batch.drop_column(column)
    op.add_column(
        "users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Moderators become members: the old schema knows no other role.
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
    op.drop_index("ix_users_role_id", table_name="users")
    op.drop_column("users", "role")
    op.create_index("ix_users_is_admin_id", "users", ["is_admin", "id"])
