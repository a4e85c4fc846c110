"""The references: the least a Flask app can do, served by the same gunicorn settings as Roster.

`/` answers "hello". `/user/<id>` is the floor for a page that reads the database: one SELECT
by primary key through SQLAlchemy Core on Roster's own database (DATABASE_URL), its columns
escaped into a line of HTML. No sessions, sign-in, CSRF, ORM or templates.

`/floor/search?q=` and `/floor/page` are the floor for a signed-in table request: the least
any implementation on this stack must do for one. Flask's signed cookie session names a
session record (set by `/floor/sign-in`), one statement reads that open session and its user,
one reads the rows (the search through the same index Roster uses, or the first 25 by join
date), and a compiled Jinja template escapes them into table rows. No Flask-Login, CSRF,
permissions, ORM, validators, security headers or page layout: what Roster adds to this is
its own cost, and what this costs is the stack's.
"""

import os

from flask import Flask, abort, request, session
from jinja2 import Environment
from markupsafe import escape
from sqlalchemy import create_engine, text

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")
engine = create_engine(os.environ.get("DATABASE_URL", "sqlite://"))
ONE_USER = text("SELECT id, username, email, display_name FROM users WHERE id = :id")
SIGNED_IN = text(
    "SELECT users.id, users.role FROM user_sessions JOIN users ON users.id = user_sessions.user_id"
    " WHERE user_sessions.id = :sid AND user_sessions.ended_at IS NULL AND users.is_active"
)
NEWEST_SESSION = text("SELECT max(id) FROM user_sessions WHERE ended_at IS NULL")
# As Roster tells SQLite's planner that nearly every user is live (`users.queries.Likely`),
# so that the first page walks the join-date index instead of sorting every live user.
FIRST_PAGE = {
    "sqlite": text(
        "SELECT id, username, email, display_name, role, is_active, created_at FROM users"
        " WHERE likely(deleted_at IS NULL) ORDER BY created_at DESC, id DESC LIMIT 25"
    ),
    "postgresql": text(
        "SELECT id, username, email, display_name, role, is_active, created_at FROM users"
        " WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 25"
    ),
}
# The search through the index Roster's search uses on each engine (FTS5 trigrams on SQLite,
# trigram GIN indexes on PostgreSQL).
SEARCH = {
    "sqlite": text(
        "SELECT id, username, email, display_name, role, is_active, created_at FROM users"
        " WHERE deleted_at IS NULL"
        " AND id IN (SELECT rowid FROM users_search WHERE users_search MATCH :phrase)"
        " ORDER BY created_at DESC, id DESC LIMIT 25"
    ),
    "postgresql": text(
        "SELECT id, username, email, display_name, role, is_active, created_at FROM users"
        " WHERE deleted_at IS NULL AND (lower(username) LIKE :like OR lower(email) LIKE :like"
        " OR lower(display_name) LIKE :like) ORDER BY created_at DESC, id DESC LIMIT 25"
    ),
}
ROWS = Environment(autoescape=True).from_string(
    '<table><tbody>{% for user in users %}<tr id="user-{{ user.id }}">'
    '<td><a href="/user/{{ user.username }}">{{ user.username }}</a></td>'
    "<td>{{ user.email }}</td><td>{{ user.display_name }}</td><td>{{ user.role }}</td>"
    "<td>{{ 'Active' if user.is_active else 'Inactive' }}</td><td>{{ user.created_at }}</td>"
    "</tr>{% endfor %}</tbody></table>"
)


@app.get("/")
def hello() -> str:
    return "hello"


@app.get("/user/<int:user_id>")
def one_user(user_id: int) -> str:
    with engine.connect() as conn:
        row = conn.execute(ONE_USER, {"id": user_id}).one()
    return "<p>" + " ".join(str(escape(value)) for value in row) + "</p>"


@app.get("/floor/sign-in")
def sign_in() -> str:
    """Name the newest open session record in this client's cookie session."""
    with engine.connect() as conn:
        session["sid"] = conn.scalar(NEWEST_SESSION)
    return "signed in"


@app.get("/floor/search")
def search() -> str:
    term = request.args.get("q", "").strip().lower()
    if engine.dialect.name == "postgresql":
        params = {"like": f"%{term}%"}
    else:
        params = {"phrase": '"' + term.replace('"', '""') + '"'}
    return signed_in_rows(SEARCH[engine.dialect.name], params)


@app.get("/floor/page")
def first_page() -> str:
    return signed_in_rows(FIRST_PAGE[engine.dialect.name], {})


def signed_in_rows(statement, params: dict[str, str]) -> str:
    with engine.connect() as conn:
        if conn.execute(SIGNED_IN, {"sid": session.get("sid")}).first() is None:
            abort(403)
        users = conn.execute(statement, params).mappings().all()
    return ROWS.render(users=users)
