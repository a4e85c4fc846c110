"""Roster under test: a throw-away database, seeded and with an admin, and a signed-in session."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, event, text

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FLASK = [sys.executable, "-m", "flask", "--app", "roster"]
ADMIN = {"username": "bench-admin", "email": "bench-admin@example.com"}
# Sent by every client here (wrk too), so Flask-Login's session protection sees one browser.
USER_AGENT = "roster-bench"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# Digits of e, the shortest prefix first: seeded usernames end in their row number, so some
# prefix matches a few users (the "substring hitting a few rows": 1 to 10) at any size.
# Three characters at least, as a trigram index needs.
SEARCH_DIGITS = "271828182845"
SEARCH_ROWS = range(1, 11)
SEARCH_MIN_LENGTH = 3
COMMAND_TIMEOUT = 900  # seconds: seeding a million users on a slow disk, with room to spare


@dataclass
class Site:
    """A migrated, seeded Roster database and what the benchmark needs to know about it."""

    database_url: str
    env: dict[str, str]
    admin_password: str
    seconds_to_seed: float = 0.0


@contextmanager
def database(folder: Path, postgres: bool) -> Iterator[str]:
    """A fresh SQLite file in `folder`, or a fresh PostgreSQL schema dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{folder / 'roster.db'}"
        return
    schema = f"roster_bench_{os.getpid()}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def server_env(database_url: str, folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "ROSTER_INSTANCE_PATH": str(folder / "instance"),
    }
    for name in ("REDIS_URL", "FLASK_DEBUG"):
        env.pop(name, None)
    return env


def flask(
    env: dict[str, str], *args: str, stdin: str | None = None, progress: bool = False
) -> None:
    """Run a Roster command, bounded in time; only `seed` shows its progress bar (stderr)."""
    result = subprocess.run(  # noqa: S603 (the project's own CLI)
        [*FLASK, *args],
        env=env,
        input=stdin,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=None if progress else subprocess.PIPE,
        timeout=COMMAND_TIMEOUT,
    )
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr}")


def prepare(database_url: str, folder: Path, users: int) -> Site:
    """Migrate, seed `users` (timed), add posts for the pages that show them, add an admin."""
    site = Site(database_url, server_env(database_url, folder), secrets.token_urlsafe(16))
    flask(site.env, "db", "upgrade")
    started = time.perf_counter()
    flask(site.env, "seed", "--users", str(users), "--random-seed", "1", progress=True)
    site.seconds_to_seed = time.perf_counter() - started
    flask(site.env, "seed", "--users", "0", "--posts", "2000", "--random-seed", "1")
    password = f"{site.admin_password}\n{site.admin_password}\n"
    flask(site.env, "create-user", ADMIN["username"], "--email", ADMIN["email"], "--admin",
          stdin=password)  # fmt: skip
    return site


def search_term(database_url: str) -> tuple[str, int]:
    """A substring of usernames and emails that matches a few rows (one page) of this database."""
    engine = create_engine(database_url)
    query = text(
        "SELECT count(*) FROM users WHERE deleted_at IS NULL"
        " AND (lower(username) LIKE :pattern OR lower(email) LIKE :pattern)"
    )
    try:
        with engine.connect() as conn:
            for length in range(SEARCH_MIN_LENGTH, len(SEARCH_DIGITS) + 1):
                term = SEARCH_DIGITS[:length]
                hits = conn.scalar(query, {"pattern": f"%{term}%"})
                if hits in SEARCH_ROWS:
                    return term, hits
    finally:
        engine.dispose()
    return SEARCH_DIGITS, 0


def profile_username(database_url: str) -> str:
    """The author of the newest post: a profile with posts to show."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                text(
                    "SELECT users.username FROM posts JOIN users ON users.id = posts.author_id"
                    " ORDER BY posts.id DESC LIMIT 1"
                )
            )
    finally:
        engine.dispose()


def sign_in_over_http(base_url: str, password: str) -> str:
    """Sign in as the admin like a browser does; returns the Cookie header for the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base_url}/login", timeout=10).read().decode()
    token = CSRF_META.search(page).group(1)
    form = urllib.parse.urlencode(
        {"username": ADMIN["username"], "password": password, "csrf_token": token}
    ).encode()
    opener.open(f"{base_url}/login", data=form, timeout=10).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise RuntimeError("signing in over HTTP gave no session cookie")
    return cookie


def count_queries(
    database_url: str, password: str, requests: list[tuple[str, dict[str, str]]]
) -> list[int | None]:
    """SQL statements each request runs, signed in as the admin, in-process (None: 404)."""
    from roster import create_app
    from roster.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "username": ADMIN["username"],
            "password": password,
            "csrf_token": CSRF_META.search(page).group(1),
        },
    )
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    # Each request in its own app context, as under gunicorn: `g` (and so Flask-Login's cached
    # user) and the database session start empty, so the user loader's query is counted too.
    event.listen(engine, "before_cursor_execute", record)
    counts: list[int | None] = []
    for url, headers in requests:
        statements.clear()
        with app.app_context():
            response = client.get(url, headers=headers)
        counts.append(None if response.status_code == 404 else len(statements))
    event.remove(engine, "before_cursor_execute", record)
    engine.dispose()
    return counts
