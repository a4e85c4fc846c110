"""Roster: a hypermedia user-management site."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import event

from roster.assets import init_assets
from roster.auth import access  # noqa: F401  (registers the user loader)
from roster.auth.views import bp as auth_bp
from roster.catalog import init_catalog
from roster.cli import register_commands
from roster.config import load_settings
from roster.errors import register_error_handlers
from roster.extensions import csrf, db, limiter, login_manager, migrate
from roster.health.views import bp as health_bp
from roster.pages.views import bp as pages_bp
from roster.posts.views import bp as posts_bp
from roster.profiles.views import bp as profiles_bp
from roster.security import RowIdConverter, init_security
from roster.templating import init_templating
from roster.users.views import bp as users_bp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app; `config` overrides what the environment says (tests pass theirs here)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ROSTER_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_settings(app, config)
    app.url_map.converters["int"] = RowIdConverter
    register_extensions(app)
    for blueprint in (pages_bp, auth_bp, profiles_bp, posts_bp, users_bp, health_bp):
        app.register_blueprint(blueprint)
    init_catalog(app)
    init_templating(app)
    register_error_handlers(app)
    register_commands(app)
    init_security(app)
    init_assets(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    # current_user reaches templates as the lazy proxy: a fragment that never shows the
    # user costs no user query (Flask-Login's own context processor loads it every render).
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "auth.login"
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _tune_sqlite)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside a writer; a busy timeout waits for the lock, not failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Reads: pages mapped from the OS cache, a 16 MB page cache per connection, sorts in memory.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA cache_size=-16000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


__all__ = ["create_app"]
