"""Users: a role (admin, moderator or member) in place of the is_admin flag.

Revision ID: 0007_roles
Revises: 0006
Create Date: 2026-12-03

Admins become role admin, everyone else member. The column is added with a plain ADD COLUMN
carrying its CHECK (both engines accept a named column constraint there), and is_admin is
dropped in place (SQLite 3.35+), so SQLite keeps the search triggers of 0002: no batch copy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_roles"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE users ADD COLUMN role VARCHAR(16) DEFAULT 'member' NOT NULL"
        " CONSTRAINT ck_users_role CHECK (role IN ('admin', 'moderator', 'member'))"
    )
    op.execute("UPDATE users SET role = 'admin' WHERE is_admin")
    op.drop_index("ix_users_is_admin_id", table_name="users")
    op.drop_column("users", "is_admin")
    op.create_index("ix_users_role_id", "users", ["role", "id"])


def downgrade() -> None:
    op.add_column(
        "users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # Moderators become members: the old schema knows no other role.
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
    op.drop_index("ix_users_role_id", table_name="users")
    op.drop_column("users", "role")
    op.create_index("ix_users_is_admin_id", "users", ["is_admin", "id"])
