"""Posts are deleted softly, like users: a post waits with `deleted_at` set, for Undo.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20

A nullable column, added and dropped in place on both engines (SQLite 3.35+): no batch copy.
No index: every list already walks an index by author or date and drops the few deleted rows
it meets; only `purge-deleted` looks posts up by the time of deletion, once in a while.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("deleted_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    # The old schema cannot tell a deleted post from a live one: deleted ones go for good.
    op.execute("DELETE FROM posts WHERE deleted_at IS NOT NULL")
    op.drop_column("posts", "deleted_at")
