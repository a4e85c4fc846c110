"""Search indexes without a pending list; a version of the users table for conditional requests.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

PostgreSQL: a GIN index with `fastupdate` (the default) keeps new entries in a pending list that
every scan reads linearly until a vacuum merges it. After a bulk load the three trigram indexes
held about 9,500 pending entries each, and a search took 6.7 ms instead of 0.7 ms. With
`fastupdate = off` each insert goes straight into the index (a little slower per write, which
an admin table can afford), so scans stay fast under ongoing inserts too; the entries already
pending are merged here.

Both databases: `table_versions` holds one row per table whose pages are served conditionally
(roster.conditional): `users`, whose version changes in every transaction that inserts, updates
or deletes users, by trigger, so that no writer (a view, a bulk UPDATE, a command, raw SQL) can
forget it. The version is random, not a count, so that a restored backup or a truncated test
database never hands out a version a browser saw for other data. On PostgreSQL the trigger is
deferred to commit and runs once per transaction (its lock on the version row is held only
while committing, so writers of different users do not wait on each other or deadlock); on
SQLite, where one writer holds the database anyway, it runs per row.

Note for later SQLite migrations: a batch (copy-and-move) migration of `users` drops the
triggers below (as those of 0002); recreate them after it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SEARCHED = ("username", "email", "display_name")
# A random 53-bit version: exact in any JSON reader, and as unlikely as a version can be to repeat.
POSTGRES_RANDOM = "(random() * 9007199254740991)::bigint"

POSTGRES_UP = [
    f"""CREATE FUNCTION roster_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('roster.users_changed', true)
                IS DISTINCT FROM txid_current()::text THEN
            PERFORM set_config('roster.users_changed', txid_current()::text, true);
            INSERT INTO table_versions (name, version) VALUES ('users', {POSTGRES_RANDOM})
            ON CONFLICT (name) DO UPDATE SET version = excluded.version;
        END IF;
        RETURN NULL;
    END $$""",  # noqa: S608 (constants of this file only)
    """CREATE CONSTRAINT TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION roster_users_changed()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS users_changed ON users",
    "DROP FUNCTION IF EXISTS roster_users_changed()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER users_changed_{event.lower()} AFTER {event} ON users BEGIN
        UPDATE table_versions SET version = random() >> 11 WHERE name = 'users';
    END"""  # noqa: S608 (constants of this file only)
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS users_changed_{event}" for event in ("insert", "update", "delete")
]


def upgrade():
    op.create_table(
        "table_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_table_versions")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        first = f"INSERT INTO table_versions (name, version) VALUES ('users', {POSTGRES_RANDOM})"  # noqa: S608 (constants)
        op.execute(first)
        for statement in POSTGRES_UP:
            op.execute(statement)
        for column in SEARCHED:
            op.execute(f"ALTER INDEX ix_users_{column}_trgm SET (fastupdate = off)")
            op.execute(f"SELECT gin_clean_pending_list('ix_users_{column}_trgm'::regclass)")
    else:
        op.execute("INSERT INTO table_versions (name, version) VALUES ('users', random() >> 11)")
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in SEARCHED:
            op.execute(f"ALTER INDEX ix_users_{column}_trgm RESET (fastupdate)")
        for statement in POSTGRES_DOWN:
            op.execute(statement)
    else:
        for statement in SQLITE_DOWN:
            op.execute(statement)
    op.drop_table("table_versions")
