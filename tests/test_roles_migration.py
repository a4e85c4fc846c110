"""Migration 0010: today's admins become role admin, everyone else member, and back on downgrade.

Each test migrates a database of its own to 0009, fills it with raw SQL as Roster did before
roles, then upgrades.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from roster.extensions import db
from tests.helpers import app_at_revision

BEFORE = "0009"


@pytest.fixture
def old_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    with app_at_revision(request, tmp_path, BEFORE) as app:
        yield app


def add_old_users(**admins: bool) -> None:
    """Rows as migration 0009's schema holds them: `name=True` is an admin."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        for username, is_admin in admins.items():
            conn.execute(
                text(
                    "INSERT INTO users (username, email, email_key, password_hash, display_name,"
                    " bio, is_admin, is_active, created_at, updated_at, version)"
                    " VALUES (:name, :email, :email, 'x', '', '', :is_admin, true, :now, :now, 1)"
                ),
                {
                    "name": username,
                    "email": f"{username}@example.com",
                    "is_admin": is_admin,
                    "now": now,
                },
            )


def read(query: str) -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(text(query)).all())


def test_admins_become_role_admin_and_everyone_else_member(old_app):
    add_old_users(ada=True, bob=False, cy=False, root=True)
    upgrade()
    assert read("SELECT username, role FROM users") == {
        "ada": "admin",
        "bob": "member",
        "cy": "member",
        "root": "admin",
    }
    with db.engine.connect() as conn:
        assert "is_admin" not in list(conn.execute(text("SELECT * FROM users LIMIT 0")).keys())


def test_a_new_row_is_a_member_and_an_unknown_role_is_refused(old_app):
    upgrade()
    add_new = "INSERT INTO users (username, email, email_key, password_hash, display_name, bio,"
    add_new += " is_active, created_at, updated_at, version{role})"
    add_new += " VALUES ('{name}', '{name}@x.org', '{name}@x.org', 'x', '', '', true,"
    add_new += " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1{value})"
    with db.engine.begin() as conn:
        conn.execute(text(add_new.format(name="plain", role="", value="")))
    assert read("SELECT username, role FROM users") == {"plain": "member"}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text(add_new.format(name="boss", role=", role", value=", 'owner'")))


def test_the_search_index_still_follows_inserts_after_the_upgrade(old_app):
    """No batch copy of the table: SQLite keeps the triggers of migration 0002."""
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, email, email_key, password_hash, display_name, bio,"
                " is_active, created_at, updated_at, version) VALUES ('findme', 'f@x.org',"
                " 'f@x.org', 'x', '', '', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
    if db.engine.dialect.name == "sqlite":
        found = read("SELECT username, rowid FROM users_search WHERE users_search MATCH 'findme'")
        assert list(found) == ["findme"]


def test_downgrade_turns_admins_back_into_is_admin(old_app):
    add_old_users(ada=True, bob=False)
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'moderator' WHERE username = 'bob'"))
    downgrade(revision=BEFORE)
    assert read("SELECT username, is_admin FROM users") == {"ada": True, "bob": False}


def test_posts_survive_the_upgrade_visible_and_keep_going_when_their_hider_is_purged(old_app):
    add_old_users(ada=False, mo=False)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO posts (author_id, title, body, created_at, updated_at)"
                " SELECT id, 'Hello', 'Text', created_at, created_at FROM users"
                " WHERE username = 'ada'"
            )
        )
    upgrade()
    query = "SELECT title, hidden_at, hidden_by_id, hidden_reason FROM posts"
    with db.engine.begin() as conn:
        assert conn.execute(text(query)).all() == [("Hello", None, None, None)]
        conn.execute(
            text(
                "UPDATE posts SET hidden_reason = 'spam',"
                " hidden_by_id = (SELECT id FROM users WHERE username = 'mo')"
            )
        )
        conn.execute(text("DELETE FROM users WHERE username = 'mo'"))
        assert conn.execute(text(query)).all() == [("Hello", None, None, "spam")]
