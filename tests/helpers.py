"""What tests share by import: htmx headers, an HTML parser, and database access in short contexts.

Fixtures live in conftest.py; everything a test module calls by name lives here
(`from tests.helpers import HX, find_all, sign_in`).

The app fixture holds no app context: a request runs in its own, as under a real server. A test
that reads or writes the database opens a context only for that (`with app.app_context():`), or
calls one of the helpers below, which return detached objects whose columns are loaded.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from lxml.html import HtmlElement
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from werkzeug.test import TestResponse

from roster import create_app
from roster.extensions import db
from roster.users.models import User
from roster.users.queries import search_condition

M = TypeVar("M", bound=db.Model)

# The password of every `make_user` account.
PASSWORD = "correct horse battery"

# ---- htmx request headers -----------------------------------------------------------------
# A plain htmx request: gets the fragment.
HX = {"HX-Request": "true"}
# These get the full page although htmx sent them.
HX_BOOSTED = {**HX, "HX-Boosted": "true"}
HX_HISTORY_RESTORE = {**HX, "HX-History-Restore-Request": "true"}
HX_FULL = {**HX, "HX-Request-Type": "full"}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# ---- HTML ---------------------------------------------------------------------------------

Markup = str | TestResponse | HtmlElement


def html_of(markup: str | TestResponse) -> str:
    return markup if isinstance(markup, str) else markup.get_data(as_text=True)


def parse(markup: Markup) -> HtmlElement:
    """A full page as its document, a fragment inside a `<div>` (so top-level siblings stay)."""
    if isinstance(markup, HtmlElement):
        return markup
    html = html_of(markup)
    if html.lstrip()[:9].lower().startswith(("<!doctype", "<html")):
        return lxml.html.document_fromstring(html)
    return lxml.html.fragment_fromstring(html, create_parent="div")


def find_all(markup: Markup, css: str) -> list[HtmlElement]:
    """Every element matching the CSS selector, in document order."""
    return parse(markup).cssselect(css)


def find(markup: Markup, css: str) -> HtmlElement:
    """The one element matching the selector; fails when there are none or several."""
    found = find_all(markup, css)
    assert len(found) == 1, f"{css!r} matches {len(found)} elements"
    return found[0]


def text_of(element: HtmlElement) -> str:
    """The element's text with runs of white space collapsed, as a reader sees it."""
    return " ".join(element.text_content().split())


def texts(markup: Markup, css: str) -> list[str]:
    return [text_of(element) for element in find_all(markup, css)]


def is_full_page(markup: str | TestResponse) -> bool:
    """A whole document: a doctype first, and the CSRF meta tag htmx reads its token from."""
    html = html_of(markup)
    return html.lstrip().lower().startswith("<!doctype html>") and 'name="csrf-token"' in html


def csrf_token(markup: Markup) -> str:
    """The token of the page's `<meta name="csrf-token">`."""
    return find(markup, 'meta[name="csrf-token"]').get("content")


def row_ids(markup: Markup) -> list[int]:
    """The ids of the user-table rows, in order (`<tr id="user-<id>" data-testid="user-row">`)."""
    return [
        int(row.get("id").removeprefix("user-"))
        for row in find_all(markup, 'tr[data-testid="user-row"]')
    ]


# ---- forms as the pages send them ---------------------------------------------------------


def edit_data(user: User, **changes: str) -> dict[str, str]:
    """The admin table's edit form for `user`, as its row sends it, with `changes`; an empty
    value leaves the field out (an unchecked box)."""
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "is_active": "active" if user.is_active else "inactive",
        "version": str(user.version),
        **changes,
    }
    return {k: v for k, v in data.items() if v != ""}


def profile_data(user: User, **changes: str) -> dict[str, str]:
    """The profile form as its owner's page sends it, made on the user's version."""
    data = {
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "version": str(user.version),
    }
    return {**data, **changes}


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a visitor would; fails the test if it does not work."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)


# ---- the database, each call in a context of its own ------------------------------------


def loaded(instance: M) -> M:
    """Load the columns now, so the object stays readable once its session is gone."""
    db.session.refresh(instance)
    return instance


def fetch(app: Flask, model: type[M], ident: Any) -> M | None:
    """A fresh copy of one row (None if it is gone), read in a context of its own."""
    with app.app_context():
        instance = db.session.get(model, ident)
        return None if instance is None else loaded(instance)


def dialect(app: Flask) -> str:
    """`sqlite` or `postgresql`: the database the app runs on."""
    with app.app_context():
        return db.engine.dialect.name


def scalar(app: Flask, statement: Executable) -> Any:
    with app.app_context():
        return db.session.scalar(statement)


def scalars(app: Flask, statement: Executable) -> list[Any]:
    with app.app_context():
        return list(db.session.scalars(statement))


def save(app: Flask, instance: M) -> M:
    """Insert a row and commit; it comes back with its id and defaults loaded."""
    return save_all(app, [instance])[0]


def save_all(app: Flask, instances: Iterable[M]) -> list[M]:
    with app.app_context():
        instances = list(instances)
        db.session.add_all(instances)
        db.session.commit()
        return [loaded(instance) for instance in instances]


def change(app: Flask, model: type[M], ident: Any, **changes: Any) -> M:
    """Change columns of one row and commit; returns the fresh row."""
    with app.app_context():
        instance = db.session.get(model, ident)
        assert instance is not None, (model, ident)
        for name, value in changes.items():
            setattr(instance, name, value)
        db.session.commit()
        return loaded(instance)


@contextmanager
def meanwhile(
    app: Flask, user_id: int, *, when_writing: int | None = None, **changes: Any
) -> Iterator[list[int]]:
    """Race a request deterministically: another request commits `changes` to user `user_id`
    just as the request in the block is about to write user `when_writing` (default: the same
    user), so after its reads and checks and before its write. It happens once; the list the
    block gets holds the id once it did (a test asserts that, so it cannot pass by not racing).
    """
    target = user_id if when_writing is None else when_writing
    happened: list[int] = []

    def interleave(session: Session, *_: Any) -> None:
        writes = any(isinstance(row, User) and row.id == target for row in session.dirty)
        if writes and not happened:
            happened.append(user_id)
            change(app, User, user_id, **changes)  # its own app context, session and connection

    event.listen(db.session, "before_flush", interleave, insert=True)  # before any other write
    try:
        yield happened
    finally:
        event.remove(db.session, "before_flush", interleave)


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order (what a request costs)."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def search_ids(app: Flask, term: str) -> list[int]:
    """The ids of the users the search index finds for `term`, in no particular order."""
    with app.app_context():
        return list(db.session.scalars(select(User.id).where(search_condition(term))))


# The shared Redis on this machine: each run keeps to a database number of its own (1-15), and
# each test to a key prefix of its own (the `redis_prefix` fixture), so suites never clash.
REDIS_URL = f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"


# ---- migration tests ------------------------------------------------------------------------

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def empty_postgres() -> None:
    """Every row gone and the ids back at 1, in the app's PostgreSQL schema (app context).

    DELETE, not TRUNCATE: on these few rows TRUNCATE (new files for every table) took 385 ms a
    test against 5 ms, most of the PostgreSQL pass's time."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(
            text(
                "SELECT setval(oid, 1, false) FROM pg_class"
                " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
            )
        )


@contextmanager
def app_at_revision(
    request: pytest.FixtureRequest, tmp_path: Path, revision: str
) -> Iterator[Flask]:
    """An app on an empty database of its own (a SQLite file, or a PostgreSQL schema with
    --db=postgres) migrated to `revision`, inside its app context: a test fills it with raw
    SQL as an older Roster would have, then upgrades."""
    postgres = request.config.getoption("--db") == "postgres"
    if postgres:
        schema = f"roster_migration_{os.getpid()}_{secrets.token_hex(4)}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade(revision=revision)
        yield app
        db.session.remove()
        db.engine.dispose()
    if postgres:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def explain(app: Flask, query) -> str:
    """The plan of `query` (a SQLAlchemy statement, its values written in)."""
    with app.app_context():
        compiled = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return explain_sql(app, compiled)


def explain_sql(app: Flask, statement: str, parameters: Any = None) -> str:
    """The plan of SQL `statement`. On PostgreSQL the tiny test table would be read whole and
    sorted whatever its indexes: with those plans priced out, a missing index shows as a Seq
    Scan and an index in the wrong order as a Sort."""
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return " ".join(str(row) for row in rows)
        for plan in ("seqscan", "bitmapscan", "sort"):
            conn.exec_driver_sql(f"SET enable_{plan} = off")
        return " ".join(
            str(row) for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        )
