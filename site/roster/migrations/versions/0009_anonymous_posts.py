"""Posts may outlive their author: an account deleted by its owner can keep its posts unnamed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14

`posts.author_id` becomes nullable (NULL: the author deleted their account and kept the
posts). SQLite cannot drop NOT NULL in place: the batch copies `posts`, which has no triggers.
"""

import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


@contextmanager
def posts_batch():
    """The batch reflects `posts` (so columns other migrations add are copied too), and with it
    `users` for the foreign key; SQLite's reflection skips the expression indexes of `users`,
    with a warning. They are neither copied nor touched: only `posts` is rebuilt."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("posts") as batch:
            yield batch


def upgrade() -> None:
    with posts_batch() as batch:
        batch.alter_column("author_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Posts without an author have nobody to belong to: they go.
    op.execute("DELETE FROM posts WHERE author_id IS NULL")
    with posts_batch() as batch:
        batch.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
