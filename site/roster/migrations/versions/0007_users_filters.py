"""The admin table's filters and sorts: last sign-in, and an index for each new filter and sort.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`last_sign_in_at` starts as the newest session each user opened (sessions are the sign-ins
kept so far). Every filter (status, the trash, verified) and sort (name, status, last sign-in)
of /users gets an index whose last column is the id, so keyset paging stays an index walk.
Never having signed in sorts first: the sort key is coalesce(last_sign_in_at, <1970>), written
in each database's own storage format (roster.users.models.NeverSignedIn). Plain ADD COLUMN
and CREATE INDEX (no batch copy), so SQLite keeps the search triggers of 0002.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEVER = {
    "sqlite": "'1970-01-01 00:00:00.000000'",
    "postgresql": "'1970-01-01 00:00:00+00'::timestamptz",
}
INDEXES = {
    "ix_users_is_active_id": ["is_active", "id"],
    "ix_users_deleted_at_id": ["deleted_at", "id"],
    "ix_users_email_verified_at_id": ["email_verified_at", "id"],
}


def upgrade() -> None:
    op.add_column("users", sa.Column("last_sign_in_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE users SET last_sign_in_at ="
        " (SELECT max(s.created_at) FROM user_sessions s WHERE s.user_id = users.id)"
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "users", columns)
    never = NEVER[op.get_bind().dialect.name]
    op.create_index(
        "ix_users_display_name_lower_id", "users", [sa.text("lower(display_name)"), "id"]
    )
    op.create_index(
        "ix_users_last_sign_in_id",
        "users",
        [sa.text(f"coalesce(last_sign_in_at, {never})"), "id"],
    )


def downgrade() -> None:
    for name in ["ix_users_last_sign_in_id", "ix_users_display_name_lower_id", *INDEXES]:
        op.drop_index(name, table_name="users")
    # Not a batch: SQLite (3.35+) drops a column in place and keeps the search triggers.
    op.drop_column("users", "last_sign_in_at")
