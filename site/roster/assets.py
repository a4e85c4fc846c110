"""Fast delivery: compressed text responses and static files cached for a year by content hash.

`url_for('static', filename=...)` gains `?v=<hash of the file>`, so a changed file gets a new
URL and browsers may keep every version forever (`immutable`): no revalidation round trips.
Everything stays same-origin, so the strict CSP (`'self'`) still covers it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

from roster.extensions import compress

VERSION_ARG = "v"
ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _cached_fingerprint(folder: str, filename: str) -> str:
    # Keyed by the names as given: resolving the path on every url_for cost more than hashing.
    return _fingerprint(Path(folder, filename).resolve())


def _fingerprint(path: Path) -> str:
    """A short content hash; "missing" for no file (the 404 stays uncacheable)."""
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()
    except OSError:
        return "missing"


def static_version(filename: str) -> str:
    """Hash of a static file: computed once per file, except in debug where files change."""
    folder = current_app.static_folder or ""
    if current_app.debug:
        return _fingerprint(Path(folder, filename).resolve())
    return _cached_fingerprint(folder, filename)


def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults hook: every static URL carries its file's content hash."""
    if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
        values[VERSION_ARG] = static_version(values["filename"])


def prepare_static(response: Response) -> Response:
    """Long caching for fingerprinted files; small text files read whole so they compress."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    if (
        response.status_code == 200
        and response.mimetype in current_app.config["COMPRESS_MIMETYPES"]
    ):
        # Flask-Compress would otherwise stream-compress the file and lose its close().
        response.direct_passthrough = False
        response.make_sequence()
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get(VERSION_ARG) == static_version(filename):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


def init_assets(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
    app.url_defaults(add_static_version)
    # Registered after Flask-Compress, so it runs before it (after_request runs in reverse).
    app.after_request(prepare_static)
