"""Loading many users at once (the seed command): each index built once after the load, not
updated row by row.

Row by row, the unique lower() indexes take their keys in random order (beyond the page cache,
a disk read per key: 1,000,000 users took 121 s on SQLite) and every new user enters three
trigram indexes. So a large load drops the table's secondary indexes and its per-row insert
triggers (SQLite's search index and both databases' table version), writes the rows (COPY on
PostgreSQL, one executemany per batch on SQLite), then indexes the new rows in one statement,
builds each index again (a sort, then a sequential write); the table version changes once.
Indexes and triggers are DDL inside the load's transaction on both databases: a failed load
rolls them back with its rows. Other writers wait for the load (it holds the table's lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text

from roster.extensions import db
from roster.users.models import User

Rows = Sequence[dict[str, Any]]
# The per-row insert triggers of migrations 0002 (SQLite search index) and 0014 (table version).
SQLITE_INSERT_TRIGGERS = ("users_search_insert", "users_changed_insert")
SQLITE_INDEX_NEW_ROWS = (
    "INSERT INTO users_search(rowid, username, email, display_name)"
    " SELECT id, username, email, display_name FROM users WHERE id > :last_id"
)
BUILD_MEMORY = "512MB"
# PostgreSQL's version trigger (0014) is deferred to commit, and pending trigger events forbid
# CREATE INDEX in the same transaction: it is switched off for the load instead.
POSTGRES_TRIGGER = "users_changed"
BUMP_VERSION = {
    "sqlite": "UPDATE table_versions SET version = random() >> 11 WHERE name = 'users'",
    "postgresql": "INSERT INTO table_versions (name, version)"
    " VALUES ('users', (random() * 9007199254740991)::bigint)"
    " ON CONFLICT (name) DO UPDATE SET version = excluded.version",
}


@dataclass
class Dropped:
    """What the load took away, as the SQL that puts each back."""

    indexes: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)


@contextmanager
def users_loaded_in_bulk(*, rebuild_indexes: bool) -> Iterator[Callable[[Rows], None]]:
    """A writer of batches of user rows (dicts of column values); the indexes and triggers are
    back when the block ends. `rebuild_indexes`: drop and rebuild the secondary indexes (worth
    it when the load is large next to the table); without it only the triggers go.

    A failing block rolls the transaction back, which puts everything back as it was.
    """
    dialect = db.engine.dialect.name
    last_id = db.session.scalar(select(func.max(User.id))) or 0
    # The version first: a write, so that Python's sqlite3 opens the transaction now and the
    # DROPs below are part of it (it begins one only before INSERT, UPDATE and DELETE).
    db.session.execute(text(BUMP_VERSION[dialect]))
    if dialect == "postgresql":
        # Index builds sort in memory: GIN builds a third faster with more than the default.
        db.session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
    dropped = Dropped(
        indexes=_drop_indexes(dialect) if rebuild_indexes else [],
        triggers=_drop_triggers(dialect),
    )
    try:
        yield _copy if dialect == "postgresql" else _insert
        if dialect == "sqlite":
            db.session.execute(text(SQLITE_INDEX_NEW_ROWS), {"last_id": last_id})
        for statement in [*dropped.indexes, *dropped.triggers]:
            db.session.execute(text(statement))
    except BaseException:
        db.session.rollback()
        raise


def _insert(rows: Rows) -> None:
    # Core, not ORM: no per-row ORM bookkeeping for rows nobody loads.
    db.session.execute(insert(User.__table__), list(rows))


def _copy(rows: Rows) -> None:
    """PostgreSQL's COPY: one stream of rows, parsed in bulk, instead of an INSERT per row."""
    columns = list(rows[0])
    driver = db.session.connection().connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY users ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _drop_indexes(dialect: str) -> list[str]:
    """Drop the users table's indexes that no constraint needs; their CREATE statements."""
    if dialect == "postgresql":
        found = db.session.execute(
            text(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = 'users'::regclass AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            )
        ).all()
    else:
        found = db.session.execute(
            text(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL"
            )
        ).all()
    for name, _ in found:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    return [create for _, create in found]


def _drop_triggers(dialect: str) -> list[str]:
    """Drop (SQLite) or switch off (PostgreSQL) the per-row insert triggers; the statements
    that put them back."""
    if dialect == "postgresql":
        db.session.execute(text(f"ALTER TABLE users DISABLE TRIGGER {POSTGRES_TRIGGER}"))
        return [f"ALTER TABLE users ENABLE TRIGGER {POSTGRES_TRIGGER}"]
    found = db.session.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
        ).bindparams(bindparam("names", list(SQLITE_INSERT_TRIGGERS), expanding=True))
    ).all()
    for name, _ in found:
        db.session.execute(text(f'DROP TRIGGER "{name}"'))
    return [create for _, create in found]
