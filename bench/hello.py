"""The references: the least a Flask app can do, served by the same gunicorn settings as Roster.

`/` answers "hello". `/user/<id>` is the floor for a page that reads the database: one SELECT
by primary key through SQLAlchemy Core on Roster's own database (DATABASE_URL), its columns
escaped into a line of HTML. No sessions, sign-in, CSRF, ORM or templates.
"""

import os

from flask import Flask
from markupsafe import escape
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ.get("DATABASE_URL", "sqlite://"))
ONE_USER = text("SELECT id, username, email, display_name FROM users WHERE id = :id")


@app.get("/")
def hello() -> str:
    return "hello"


@app.get("/user/<int:user_id>")
def one_user(user_id: int) -> str:
    with engine.connect() as conn:
        row = conn.execute(ONE_USER, {"id": user_id}).one()
    return "<p>" + " ".join(str(escape(value)) for value in row) + "</p>"
