"""Live screens: changes anyone makes reach every open page within a second or two.

Every change worth showing is an audit entry committed with the change (roster.audit). After
such a commit the hub announces it (roster.live.changes, roster.live.hub: Redis pub/sub when
`REDIS_URL` is set, else within the process); each open stream (roster.live.stream) then reads
the new entries and sends its viewer the fragments its topic renders for them.
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import event

from roster.extensions import db
from roster.live.changes import SESSION_EVENTS
from roster.live.hub import Hub


def init_live(app: Flask) -> None:
    """Settings, the hub of this app, the commit listeners and the /live routes."""
    from roster.live.views import bp, live_stream

    app.config.setdefault("LIVE_CHANNEL", f"{app.config['REDIS_KEY_PREFIX']}live")
    app.config.setdefault("LIVE_HEARTBEAT_SECONDS", 15.0)
    # A stream ends after this long and the browser reconnects (Last-Event-ID: nothing lost),
    # which spreads streams over servers again after one restarts.
    app.config.setdefault("LIVE_STREAM_SECONDS", 300.0)
    # How often streams look for changes while Redis is unreachable.
    app.config.setdefault("LIVE_POLL_SECONDS", 5.0)
    # Open streams per process; gunicorn.conf.py sets it below its thread count.
    app.config.setdefault("LIVE_MAX_STREAMS", int(os.environ.get("LIVE_MAX_STREAMS", "100")))
    app.extensions["roster.live"] = Hub(
        app.config["REDIS_URL"], app.config["LIVE_CHANNEL"], app.config["LIVE_MAX_STREAMS"]
    )
    for name, listener in SESSION_EVENTS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.add_template_global(live_stream)
    app.register_blueprint(bp)
