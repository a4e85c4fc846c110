"""Conditional requests: a page or fragment that would come out the same is answered 304.

The validator (an ETag) is a digest of everything the answer is made of: the version of the
table it shows (`table_versions`, changed by trigger in every transaction that writes the table,
migration 0014), who asks (user and session: rows, controls and the nav depend on them), the
session's CSRF token (rendered into forms), the URL, the htmx headers that choose page or
fragment (`roster.htmx.VARY_HEADERS`) and the code (templates, static files, Python). A repeat
request whose validator matches gets 304 before any row is read or any template rendered; any
change to one of them renders afresh. Answers carry `Cache-Control: private, no-cache`, so a
browser keeps them for this user only and asks again every time.

The version is read with the signed-in session (`version_column`, part of the session lookup's
one statement), so a 304 costs that one statement; with the Redis session cache it is one
statement of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache, wraps
from pathlib import Path
from typing import ParamSpec

from flask import Response, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, ScalarSelect, String, select
from sqlalchemy.orm import Mapped, mapped_column

from roster.extensions import db
from roster.htmx import VARY_HEADERS, vary

P = ParamSpec("P")
CACHE_CONTROL = "private, no-cache"
# Compression (Flask-Compress) appends ":gzip", ":br" ... to a strong ETag.
CODING_SEPARATOR = ":"


class TableVersion(db.Model):
    """The version of a table's contents: changes (to a random value) whenever the table does."""

    __tablename__ = "table_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


@cache
def version_column(table: str) -> ScalarSelect[int]:
    """The table's version as a column, to read along with another statement (built once)."""
    return select(TableVersion.version).where(TableVersion.name == table).scalar_subquery()


def table_version(table: str) -> int | None:
    """The version read with this request's session lookup, else one query."""
    versions = g.setdefault("table_versions", {})
    if table not in versions:
        versions[table] = db.session.scalar(select(version_column(table)))
    return versions[table]


_code_versions: dict[tuple[str, ...], str] = {}


def code_version() -> str:
    """A digest of the files answers are made from (name, size, mtime), once per process:
    a deploy with new templates or code must not be answered 304 from the old ones."""
    roots = (
        str(current_app.root_path),
        str(current_app.template_folder),
        str(current_app.static_folder),
    )
    if current_app.debug or roots not in _code_versions:
        digest = hashlib.blake2b(digest_size=8)
        for root in roots:
            base = Path(current_app.root_path, root)
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    stat = path.stat()
                    digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        _code_versions[roots] = digest.hexdigest()
    return _code_versions[roots]


def etag_of(table: str, parts: Iterable[object] = ()) -> str:
    """The validator of this request's answer about `table` (see the module docstring)."""
    record = g.get("user_session")
    fields = [
        code_version(),
        table,
        table_version(table),
        current_user.get_id() if current_user.is_authenticated else "",
        record.id if record is not None else "",
        session.get("csrf_token", ""),
        request.full_path,
        *(request.headers.get(name, "") for name in VARY_HEADERS),
        *parts,
    ]
    digest = hashlib.blake2b("\0".join(map(str, fields)).encode(), digest_size=16)
    return digest.hexdigest()


def matches(etag: str) -> str | None:
    """The tag the browser sent that stands for `etag` (compressed or not), or None."""
    for sent in request.if_none_match.as_set():
        if sent.split(CODING_SEPARATOR, 1)[0] == etag:
            return sent
    return None


def conditional(table: str) -> Callable[[Callable[P, Response]], Callable[P, Response]]:
    """Serve the view's answer conditionally on `table`'s version (and the rest of the etag).

    Not for a request that has flashed messages waiting (they are shown once, so it renders),
    nor while the table has no version row (an emptied test database: the trigger adds it).
    """

    def decorator(view: Callable[P, Response]) -> Callable[P, Response]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            if "_flashes" in session or table_version(table) is None:
                return view(*args, **kwargs)
            etag = etag_of(table)
            if sent := matches(etag):
                unchanged = vary(Response(status=304))
                unchanged.set_etag(sent)
                unchanged.headers["Cache-Control"] = CACHE_CONTROL
                return unchanged
            response = view(*args, **kwargs)
            if response.status_code == 200:
                response.set_etag(etag)
                response.headers["Cache-Control"] = CACHE_CONTROL
            return response

        return wrapper

    return decorator
