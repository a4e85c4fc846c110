"""Users: when the email address was confirmed (a mailed link followed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

NULL means not confirmed: accounts made before this migration start unconfirmed, like every
new one until its owner follows the link. A plain ADD COLUMN (no batch copy), so SQLite keeps
the search triggers of 0002.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops a column in place and keeps the search triggers.
    op.drop_column("users", "email_verified_at")
