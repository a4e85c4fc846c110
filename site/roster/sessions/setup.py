"""Wiring of server-side sessions into an app: settings, cache, signals, events, pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_login import user_loaded_from_cookie
from sqlalchemy import event

from roster.extensions import db
from roster.sessions import service
from roster.sessions.cache import create_cache
from roster.sessions.views import bp, device_name, moment

# Session events, listened to once per process (the session class is shared by every app).
SESSION_EVENTS = (
    ("before_flush", service.end_sessions_on_account_change),
    ("after_flush", service.note_flushed_rows),
    ("do_orm_execute", service.note_bulk_statements),
    ("after_commit", service.forget_committed),
    ("after_rollback", service.drop_stale),
)


def init_sessions(app: Flask) -> None:
    """Settings, the optional Redis cache, the remember-token rotation and the sessions pages."""
    app.config.setdefault("SESSION_IDLE_TIMEOUT", timedelta(days=14))
    app.config.setdefault("SESSION_TOUCH_INTERVAL", 60)  # seconds between last-seen writes
    app.config.setdefault("SESSION_ROTATION_GRACE", 30)  # seconds a rotated token still works
    app.config.setdefault("SESSION_CACHE_URL", app.config.get("REDIS_URL"))
    app.config.setdefault("SESSION_CACHE_PREFIX", f"{app.config['REDIS_KEY_PREFIX']}sessions:")
    app.config.setdefault("SESSION_CACHE_TTL", 300)
    app.config.setdefault("SESSION_CACHE_TOMBSTONE_TTL", 30)
    app.extensions["roster_session_cache"] = create_cache(app.config)
    user_loaded_from_cookie.connect(service.rotate_remember_token, app)
    for name, listener in SESSION_EVENTS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.add_template_filter(device_name, "device")
    app.add_template_filter(moment)
    app.register_blueprint(bp)
