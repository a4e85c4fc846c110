"""Emails unique by a stored key (NFKC, case-folded) instead of lower(), alike on both engines.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

SQLite's lower() folds ASCII only, so "ÉMILE@x.org" and "émile@x.org" could be two accounts
there and one on PostgreSQL. The key comes from roster.users.policy.email_key, the function the
app fills it with.

Accounts that already share a key cannot all keep it. Before changing anything, the upgrade
looks for them and, if there are any, stops with a message that lists them (id, username,
email) and says how to go on: give each its own address (or delete one), then upgrade again.
Nothing is changed by a refused upgrade. Which account keeps an address is a person's choice,
not a migration's.
"""

import sqlalchemy as sa
from alembic import op

from roster.users.policy import email_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("email", sa.String),
    sa.column("email_key", sa.String),
)
# Keys computed in Python are written in batches of this many rows.
BATCH = 1000


class EmailClashError(RuntimeError):
    """Existing accounts share an email once case and Unicode forms are set aside."""


def not_ascii(bind: sa.Connection) -> sa.ColumnElement[bool]:
    """Rows whose email has a character beyond ASCII: where lower() may be wrong."""
    if bind.dialect.name == "sqlite":
        return sa.func.length(sa.cast(users.c.email, sa.LargeBinary)) != sa.func.length(
            users.c.email
        )
    return sa.func.octet_length(users.c.email) != sa.func.char_length(users.c.email)


def python_keys(bind: sa.Connection) -> dict[int, str]:
    """The key of every non-ASCII email by id. For ASCII emails lower() is the key already."""
    rows = bind.execute(sa.select(users.c.id, users.c.email).where(not_ascii(bind)))
    return {row.id: email_key(row.email) for row in rows}


def clashes(bind: sa.Connection, keys: dict[int, str]) -> list[list[sa.Row]]:
    """Groups of accounts sharing a key. Two ASCII emails cannot: the old index kept them apart."""
    if not keys:
        return []
    ascii_rows = sa.select(users.c.id, sa.func.lower(users.c.email).label("key")).where(
        ~not_ascii(bind)
    )
    wanted = set(keys.values())
    owners: dict[str, list[int]] = {}
    for user_id, key in keys.items():
        owners.setdefault(key, []).append(user_id)
    for row in bind.execute(ascii_rows.where(sa.func.lower(users.c.email).in_(wanted))):
        owners[row.key].append(row.id)
    groups = [ids for ids in owners.values() if len(ids) > 1]
    if not groups:
        return []
    everyone = [user_id for ids in groups for user_id in ids]
    accounts = {
        row.id: row
        for row in bind.execute(
            sa.select(users.c.id, users.c.username, users.c.email).where(users.c.id.in_(everyone))
        )
    }
    return [[accounts[user_id] for user_id in sorted(ids)] for ids in groups]


def clash_report(groups: list[list[sa.Row]]) -> str:
    lines = [
        f"{len(groups)} email address(es) belong to more than one account once case and Unicode "
        "forms are set aside; emails must be unique, so the upgrade stopped (nothing changed):"
    ]
    for group in groups:
        lines.append("  - " + ", ".join(f"id {u.id} {u.username!r} <{u.email}>" for u in group))
    lines.append(
        "Give each of these accounts its own address (or delete the extra account), e.g. "
        "UPDATE users SET email = '...' WHERE id = ...; then run `flask db upgrade` again."
    )
    return "\n".join(lines)


def upgrade():
    bind = op.get_bind()
    keys = python_keys(bind)
    if groups := clashes(bind, keys):
        raise EmailClashError(clash_report(groups))
    # NOT NULL needs a default on SQLite's ADD COLUMN; every row gets its key just below.
    op.add_column(
        "users",
        sa.Column("email_key", sa.String(length=254), nullable=False, server_default=""),
    )
    op.execute(users.update().values(email_key=sa.func.lower(users.c.email)))
    items = list(keys.items())
    for start in range(0, len(items), BATCH):
        bind.execute(
            users.update()
            .where(users.c.id == sa.bindparam("user_id"))
            .values(email_key=sa.bindparam("key")),
            [{"user_id": i, "key": k} for i, k in items[start : start + BATCH]],
        )
    if bind.dialect.name == "postgresql":
        # SQLite cannot drop a column default; the model always fills the key there too.
        op.alter_column("users", "email_key", server_default=None)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    op.drop_index("uq_users_email_lower", table_name="users")
    # Not unique any more, still what the admin table sorts by and short searches range over.
    op.create_index("ix_users_email_lower", "users", [sa.text("lower(email)")])


def downgrade():
    op.drop_index("ix_users_email_lower", table_name="users")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_column("users", "email_key")
