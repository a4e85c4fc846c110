"""The reference: the least a Flask app can do, served by the same gunicorn settings as Roster."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
