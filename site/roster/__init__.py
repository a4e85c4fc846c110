"""Roster: a hypermedia user-management site.

Importing a module of the package (a model, say) loads only what that module imports: the
factory imports the blueprints, handlers and commands when it builds an app, never before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app; `config` overrides what the environment says (tests pass theirs here)."""
    from roster.accounts import init_accounts
    from roster.assets import init_assets
    from roster.auth.access import init_auth
    from roster.catalog import init_catalog
    from roster.cli import register_commands
    from roster.config import load_settings
    from roster.errors import register_error_handlers
    from roster.live import init_live
    from roster.mail import init_mail
    from roster.mfa import init_mfa
    from roster.security import RowIdConverter, init_security
    from roster.sessions.setup import init_sessions
    from roster.templating import init_templating
    from roster.users.rows import init_rows

    app = Flask(
        __name__,
        instance_path=os.environ.get("ROSTER_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_settings(app, config)
    app.url_map.converters["int"] = RowIdConverter
    register_extensions(app)
    init_auth(app)
    register_blueprints(app)
    init_sessions(app)
    init_mail(app)
    init_accounts(app)
    init_mfa(app)
    init_live(app)
    init_catalog(app)
    init_templating(app)
    init_rows(app)
    register_error_handlers(app)
    register_commands(app)
    init_security(app)
    init_assets(app)
    return app


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from roster.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _tune_sqlite)


def register_blueprints(app: Flask) -> None:
    """One blueprint per feature: its routes here, its templates in templates/<feature>/."""
    from roster.account.views import bp as account
    from roster.audit.views import bp as audit
    from roster.auth.views import bp as auth
    from roster.details.views import bp as details
    from roster.health.views import bp as health
    from roster.moderation.views import bp as moderation
    from roster.pages.views import bp as pages
    from roster.posts.views import bp as posts
    from roster.profiles.views import bp as profiles
    from roster.users.views import bp as users

    for blueprint in (
        pages,
        auth,
        profiles,
        posts,
        moderation,
        users,
        details,
        audit,
        account,
        health,
    ):
        app.register_blueprint(blueprint)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside a writer; a busy timeout waits for the lock, not failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Reads: pages mapped from the OS cache (64 MB: mapped pages count in the worker's RSS, and
    # an export reads the whole file) and a 16 MB page cache per connection. Temporary tables
    # and sorts stay in the default temporary files: in memory, one large sort can take more
    # than a worker has.
    cursor.execute("PRAGMA mmap_size=67108864")
    cursor.execute("PRAGMA cache_size=-16000")
    cursor.close()


__all__ = ["create_app"]
