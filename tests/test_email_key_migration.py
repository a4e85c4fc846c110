"""Migration 0003: existing emails get their key, and clashing accounts stop it with a clear list.

Each test migrates a database of its own (a SQLite file, or a PostgreSQL schema with --db=postgres)
to 0002, fills it with raw SQL as an older Roster would have, then upgrades.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from roster.extensions import db
from tests.helpers import app_at_revision


@pytest.fixture
def old_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own, migrated to 0002."""
    with app_at_revision(request, tmp_path, "0002") as app:
        yield app


def add_old_users(*emails: str) -> list[int]:
    """Rows as migration 0002's schema holds them; returns their ids."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    with db.engine.begin() as conn:
        for number, email in enumerate(emails, start=1):
            ids.append(
                conn.execute(
                    text(
                        "INSERT INTO users (username, email, password_hash, display_name, bio,"
                        " is_admin, is_active, session_token, created_at, updated_at, version)"
                        " VALUES (:username, :email, 'x', '', '', false, true, 't', :now, :now, 1)"
                        " RETURNING id"
                    ),
                    {"username": f"user{number}", "email": email, "now": now},
                ).scalar_one()
            )
    return ids


def revision() -> str:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def index_names() -> set[str]:
    """Read from the catalog: SQLAlchemy's inspector cannot reflect SQLite's expression indexes."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'users'"
        query += " AND schemaname = current_schema()"
    with db.engine.connect() as conn:
        return set(conn.scalars(text(query)))


def columns() -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.execute(text("SELECT * FROM users LIMIT 0")).keys())


def refused_upgrade(caplog: pytest.LogCaptureFixture) -> str:
    """Upgrade, expecting the refusal; what `flask db upgrade` prints (Flask-Migrate's log)."""
    with pytest.raises(SystemExit):
        upgrade()
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "flask_migrate")


def keys() -> dict[str, str]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT email, email_key FROM users")).all())


def test_existing_emails_get_their_key(old_app):
    add_old_users("Ada@Example.com", "ÉLODIE@example.org", "e\u0301mile@example.org")
    upgrade()
    assert keys() == {
        "Ada@Example.com": "ada@example.com",
        "ÉLODIE@example.org": "élodie@example.org",
        "e\u0301mile@example.org": "émile@example.org",
    }
    assert {"uq_users_email_key", "ix_users_email_lower"} <= index_names()
    assert "uq_users_email_lower" not in index_names()


# Pairs that lower() let in on both engines and the key does not: a combining accent against a
# precomposed letter, a full-width letter against its plain one, and a folded sharp s.
CLASHING = [
    ("e\u0301mile@example.org", "émile@example.org"),
    ("\uff41da@example.com", "ada@example.com"),
    ("Straße@example.com", "strasse@example.com"),
]


def test_clashing_accounts_stop_the_upgrade_with_a_list_and_change_nothing(old_app, caplog):
    ids = add_old_users(*(email for pair in CLASHING for email in pair), "grace@example.com")
    report = refused_upgrade(caplog)
    assert report.startswith("Error: 3 email address(es) belong to more than one account")
    for number, (first, second) in enumerate(CLASHING):
        one, two = ids[2 * number], ids[2 * number + 1]
        line = f"  - id {one} 'user{one}' <{first}>, id {two} 'user{two}' <{second}>"
        assert line in report.splitlines()
    assert "grace" not in report
    assert "then run `flask db upgrade` again" in report
    assert revision() == "0002"
    assert "email_key" not in columns()
    assert "uq_users_email_lower" in index_names()


def test_after_the_clash_is_fixed_the_upgrade_goes_through(old_app, caplog):
    _, second = add_old_users(*CLASHING[0])
    assert "id 2 'user2'" in refused_upgrade(caplog)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET email = 'emile2@example.org' WHERE id = :id"), {"id": second}
        )
    upgrade()
    assert keys()[CLASHING[0][0]] == "émile@example.org"


@pytest.mark.skipif("config.getoption('--db') != 'sqlite'", reason="the SQLite case of issue 12")
def test_sqlite_case_variants_that_lower_missed_are_found(old_app, caplog):
    add_old_users("ÉMILE@example.com", "émile@example.com")
    report = refused_upgrade(caplog)
    assert "<ÉMILE@example.com>, id 2 'user2' <émile@example.com>" in report


def test_downgrade_restores_the_lower_index(old_app):
    add_old_users("Ada@Example.com")
    upgrade()
    downgrade(revision="0002")
    assert "uq_users_email_key" not in index_names()
    assert "uq_users_email_lower" in index_names()
    assert "email_key" not in columns()
    assert revision() == "0002"
