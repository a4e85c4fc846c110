"""Fixtures: an app with a fresh, migrated database per test, clients, and users to sign in as."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from roster import create_app
from roster.extensions import db
from roster.mail.testing import MailServer
from roster.users.models import User
from roster.users.policy import Role
from roster.users.service import NewUser, create_user
from tests.helpers import (
    PASSWORD,
    POSTGRES_URL,
    REDIS_URL,
    UNSAFE_METHODS,
    csrf_token,
    empty_postgres,
    loaded,
    sign_in,
)

# One schema per run, so that runs from several checkouts at once do not collide.
POSTGRES_SCHEMA = f"roster_tests_{os.getpid()}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        # From the environment too: `make mutate` reruns its survivors on PostgreSQL that way.
        default=os.environ.get("ROSTER_TEST_DB", "sqlite"),
        help="database behind the app fixture (postgres: 127.0.0.1:5432, database test)",
    )


def base_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Hashing speed is not what these tests are about.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "RATELIMIT_STORAGE_URI": "memory://",
        # A live stream sends what is new, then ends (the browser would reconnect): a test
        # reading a whole answer never waits for it.
        "LIVE_STREAM_SECONDS": 0,
    }


class CompiledTemplates(BytecodeCache):
    """Every test has an app of its own, and so a Jinja environment of its own: kept here,
    each template compiles once per run instead of once per test (half of a test's setup)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def roster_app(config: dict[str, Any]) -> Flask:
    """An app as the fixtures make them: the site's test client and CLI runner, templates
    compiled once per run."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.test_client_class = RosterClient
    app.test_cli_runner_class = RosterCliRunner
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test then starts from a copy of this file."""
    path = tmp_path_factory.mktemp("template") / "roster.db"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A schema of its own in the shared test database, migrated once per run."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {POSTGRES_SCHEMA}"))
    except OperationalError as error:
        pytest.fail(f"--db=postgres needs PostgreSQL on 127.0.0.1:5432: {error}")
    finally:
        engine.dispose()
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{POSTGRES_SCHEMA}"
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {POSTGRES_SCHEMA} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server in this process: every app of the run sends its mail there."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path, mail_server: MailServer) -> Iterator[Flask]:
    """The app on a fresh database. It holds no app context: each request pushes its own."""
    if request.config.getoption("--db") == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        database = tmp_path / "roster.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        url = f"sqlite:///{database}"
    app = roster_app({**base_config(url), "MAIL_URL": mail_server.url})
    yield app
    # Mail still queued belongs to this test: it must not arrive during the next one.
    app.extensions["roster.postman"].drain(10)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            empty_postgres()
        db.engine.dispose()


class RosterClient(FlaskClient):
    """A test client that sends the CSRF token like the site's pages do, unless told not to."""

    def csrf_token(self) -> str:
        return csrf_token(self.get("/about"))

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        method = kwargs.get("method", "GET").upper()
        if csrf and method in UNSAFE_METHODS:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


class RosterCliRunner(FlaskCliRunner):
    """Runs a command as the `flask` command does: in an app context of its own."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        with self.app.app_context():
            return super().invoke(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> RosterClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> RosterCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user (names and emails default to unique ones), in an app context of its own.

    Returns the user detached with its columns loaded: read them freely; change the row with
    `tests.helpers.change` (or inside `with app.app_context():`).
    """
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, **fields: Any) -> User:
        number = next(counter)
        username = username or f"user{number}"
        new = NewUser(
            username,
            fields.pop("email", f"{username}@example.com"),
            fields.pop("password", PASSWORD),
            display_name=fields.pop("display_name", ""),
            role=fields.pop("role", Role.admin if fields.pop("is_admin", False) else Role.member),
        )
        with app.app_context():
            user = create_user(None, new)
            for name, value in fields.items():  # other columns, e.g. is_active, deleted_at
                setattr(user, name, value)
            db.session.commit()
            return loaded(user)

    return make


@pytest.fixture
def member(make_user) -> User:
    return make_user("member", display_name="Mem Ber")


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin", role=Role.admin, display_name="Ad Min")


@pytest.fixture
def moderator(make_user) -> User:
    return make_user("moderator", role=Role.moderator, display_name="Mo Derator")


@pytest.fixture
def moderator_client(client: RosterClient, moderator: User) -> RosterClient:
    sign_in(client, moderator.username)
    return client


@pytest.fixture
def member_client(client: RosterClient, member: User) -> RosterClient:
    sign_in(client, member.username)
    return client


@pytest.fixture
def admin_client(client: RosterClient, admin: User) -> RosterClient:
    sign_in(client, admin.username)
    return client


# ---- apps with settings of their own -------------------------------------------------------


@pytest.fixture
def make_app(app: Flask) -> Iterator:
    """Another app on the same database, with settings of its own (built before any request)."""
    made: list[Flask] = []

    def make(*, without: tuple[str, ...] = (), **overrides) -> Flask:
        config = {
            **base_config(app.config["SQLALCHEMY_DATABASE_URI"]),
            "MAIL_URL": app.config["MAIL_URL"],
            **overrides,
        }
        other = roster_app({k: v for k, v in config.items() if k not in without})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


# ---- mail: what the in-process SMTP server received during this test ---------------------


@pytest.fixture
def mailbox(mail_server: MailServer, app: Flask) -> Iterator[MailServer]:
    """The SMTP server, emptied for this test; `mailbox.wait_for(address, subject)`."""
    mail_server.clear()
    yield mail_server
    app.extensions["roster.postman"].drain(10)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the run's Redis database; its keys go afterwards."""
    prefix = f"roster-test-{uuid.uuid4().hex}:"
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"these tests need Redis on {REDIS_URL}: {error}")
    yield prefix
    for key in server.scan_iter(match=f"*{prefix}*"):
        server.delete(key)
    server.close()
