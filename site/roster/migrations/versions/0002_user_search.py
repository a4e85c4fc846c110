"""User search and sort indexes: trigram search on SQLite (FTS5) and PostgreSQL (pg_trgm).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Searching 100,000+ users by a substring of username, email or display name must stay an index
lookup. SQLite gets an external-content FTS5 table with the trigram tokenizer, kept in sync by
triggers; PostgreSQL gets GIN trigram indexes on the lower() of each column. Queries shorter
than three characters cannot use trigrams: they become prefix matches on lower() indexes
(plain ones on SQLite, text_pattern_ops ones on PostgreSQL so that LIKE 'ab%' can use them).

Note for later SQLite migrations: a batch (copy-and-move) migration of `users` drops the
triggers below; recreate them after it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEARCHED = ("username", "email", "display_name")

SQLITE_UP = [
    """CREATE VIRTUAL TABLE users_search USING fts5(
        username, email, display_name,
        content='users', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
        INSERT INTO users_search(rowid, username, email, display_name)
        VALUES (new.id, new.username, new.email, new.display_name);
    END""",
    """CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
        INSERT INTO users_search(users_search, rowid, username, email, display_name)
        VALUES ('delete', old.id, old.username, old.email, old.display_name);
    END""",
    """CREATE TRIGGER users_search_update AFTER UPDATE OF username, email, display_name ON users
    BEGIN
        INSERT INTO users_search(users_search, rowid, username, email, display_name)
        VALUES ('delete', old.id, old.username, old.email, old.display_name);
        INSERT INTO users_search(rowid, username, email, display_name)
        VALUES (new.id, new.username, new.email, new.display_name);
    END""",
    # Index the rows that exist already.
    "INSERT INTO users_search(users_search) VALUES ('rebuild')",
    "CREATE INDEX ix_users_display_name_lower ON users (lower(display_name))",
]
SQLITE_DOWN = [
    "DROP INDEX IF EXISTS ix_users_display_name_lower",
    "DROP TRIGGER IF EXISTS users_search_update",
    "DROP TRIGGER IF EXISTS users_search_delete",
    "DROP TRIGGER IF EXISTS users_search_insert",
    "DROP TABLE IF EXISTS users_search",
]


def upgrade():
    op.create_index("ix_users_is_admin_id", "users", ["is_admin", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        # Into public when it is new, so that dropping some other schema never takes it along.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        schema = bind.scalar(
            sa.text(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        )
        opclass = f'"{schema}".gin_trgm_ops'
        for column in SEARCHED:
            op.execute(
                f"CREATE INDEX ix_users_{column}_trgm ON users USING gin (lower({column}) {opclass})"
            )
            op.execute(
                f"CREATE INDEX ix_users_{column}_prefix ON users (lower({column}) text_pattern_ops)"
            )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for column in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_users_{column}_trgm")
            op.execute(f"DROP INDEX IF EXISTS ix_users_{column}_prefix")
    op.drop_index("ix_users_is_admin_id", table_name="users")
