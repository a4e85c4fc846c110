"""The fragment catalog for designers and tests; only served in debug or with CATALOG on."""

from __future__ import annotations

from flask import Flask

from roster.catalog.views import bp


def init_catalog(app: Flask) -> None:
    """Register /_catalog only where it is wanted: never on a production server by default."""
    if app.debug or app.config.get("CATALOG"):
        app.register_blueprint(bp)
