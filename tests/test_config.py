"""Configuration comes from the environment, and a production server never runs without a key."""

from __future__ import annotations

import subprocess
import sys

import pytest

from roster import create_app
from roster.config import MissingSecretKey
from roster.extensions import db
from tests.helpers import dialect


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROSTER_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path


def test_production_without_secret_key_refuses_to_start(clean_env):
    with pytest.raises(MissingSecretKey, match="SECRET_KEY is not set"):
        create_app()


def test_gunicorn_style_start_without_secret_key_prints_one_clear_line(clean_env):
    result = subprocess.run(
        [sys.executable, "-c", "import roster; roster.create_app()"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_generates_a_key_kept_in_the_instance_folder(clean_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    assert (clean_env / "instance" / "secret_key").read_text().strip() == first


def test_settings_come_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'elsewhere.db'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("elsewhere.db")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


def test_default_database_is_sqlite_in_the_instance_folder(clean_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k")
    uri = create_app().config["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{clean_env / 'instance' / 'roster.db'}"


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app):
    if dialect(app) != "sqlite":
        pytest.skip("SQLite pragmas; this run uses PostgreSQL")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_security_headers_on_every_page(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
