"""Mail delivery: MAIL_URL, SITE_URL, the development outbox at /_mail, and broken mail servers."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from roster import create_app
from roster.config import MissingSiteURL
from roster.extensions import db
from roster.mail.outbox import kept_messages
from roster.mail.settings import InvalidMailURL, mailman_settings
from roster.users.models import User
from tests.conftest import roster_app
from tests.helpers import HX, scalar, sign_in


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://127.0.0.1:2525",
            {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 2525, "MAIL_USE_TLS": False},
        ),
        (
            "smtp://mailer:p%40ss%3Aword@mail.example.com:587?starttls=1",
            {
                "MAIL_USERNAME": "mailer",
                "MAIL_PASSWORD": "p@ss:word",
                "MAIL_PORT": 587,
                "MAIL_USE_TLS": True,
                "MAIL_USE_SSL": False,
            },
        ),
        ("smtps://mail.example.com", {"MAIL_PORT": 465, "MAIL_USE_SSL": True}),
        ("smtp://mail.example.com", {"MAIL_PORT": 25, "MAIL_USERNAME": None}),
    ],
)
def test_mail_url_becomes_the_smtp_settings(url, expected):
    settings = mailman_settings(url)
    assert settings["MAIL_BACKEND"] == "smtp"
    assert {key: settings[key] for key in expected} == expected


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.com", "smtp://", "smtp://host:notaport", "smtps://host?starttls=1"],
)
def test_a_mail_url_that_makes_no_sense_stops_the_start(url, tmp_path):
    with pytest.raises(InvalidMailURL):
        create_app(production_config(tmp_path, MAIL_URL=url, SITE_URL="https://x.example"))


def production_config(tmp_path: Path, **settings) -> dict:
    return {
        "SECRET_KEY": "production secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'roster.db'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        **settings,
    }


def test_production_mail_needs_site_url(tmp_path):
    with pytest.raises(MissingSiteURL, match="SITE_URL"):
        create_app(production_config(tmp_path, MAIL_URL="smtp://127.0.0.1:25"))
    app = create_app(production_config(tmp_path))
    assert app.config["SITE_URL"] == "http://127.0.0.1:5000", "no MAIL_URL: the outbox"


def test_mail_from_names_the_sender(make_app, member, mail_server):
    app = make_app(MAIL_FROM="Team Roster <team@roster.example>")
    mail_server.clear()
    app.test_client().post("/password/forgot", data={"email": "member"})
    mail = mail_server.wait_for("member@example.com", "Reset")
    assert mail.sender == "Team Roster <team@roster.example>"


# ---- the development outbox ----------------------------------------------------------------


@pytest.fixture
def outbox_app(app: Flask, tmp_path: Path, monkeypatch) -> Iterator[Flask]:
    """Debug mode without MAIL_URL, its instance folder in tmp: what `make run` does."""
    monkeypatch.setenv("ROSTER_INSTANCE_PATH", str(tmp_path / "instance"))
    config = {key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")}
    debug_app = roster_app(
        {**config, "DEBUG": True, "RATELIMIT_STORAGE_URI": "memory://", "TESTING": True}
    )
    yield debug_app
    with debug_app.app_context():
        db.engine.dispose()


def test_without_mail_url_messages_are_kept_and_listed(outbox_app, member):
    client = outbox_app.test_client()
    client.post("/password/forgot", data={"email": "member"})
    assert outbox_app.extensions["roster.postman"].drain(10)
    files = list((Path(outbox_app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1

    listing = client.get("/_mail")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Reset your Roster password" in html
    assert "member@example.com" in html

    with outbox_app.app_context():
        (kept,) = kept_messages()
    shown = client.get(f"/_mail/{kept.name}").get_data(as_text=True)
    link = re.search(r'<a href="(http://127\.0\.0\.1:5000/password/reset/[^"]+)"', shown)
    assert link, "the plain text's links are clickable"
    assert f'src="/_mail/{kept.name}/html"' in shown

    part = client.get(f"/_mail/{kept.name}/html")
    assert "Choose a new password" in part.get_data(as_text=True)
    assert "sandbox" in part.headers["Content-Security-Policy"]


def test_the_outbox_refuses_names_that_are_not_its_files(outbox_app):
    client = outbox_app.test_client()
    for name in ("..%2Fsecret_key", "nothing.eml", "20260314-093000000000-0a1b2c3d.eml"):
        assert client.get(f"/_mail/{name}").status_code == 404


def test_the_outbox_is_not_served_outside_debug(client):
    assert client.get("/_mail").status_code == 404
    assert client.get("/_mail/20260314-093000000000-0a1b2c3d.eml").status_code == 404


# ---- a mail server that is down or slow --------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections (the kernel's backlog) and never says a word: a hung mail server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_a_refused_message_loses_no_account_and_says_so(app, make_app, admin, closed_port, caplog):
    client = make_app(MAIL_URL=f"smtp://127.0.0.1:{closed_port}").test_client()
    sign_in(client, "admin")
    response = client.post(
        "/users", data={"username": "newcomer", "email": "newcomer@example.com"}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be sent to newcomer@example.com" in html
    assert scalar(app, select(User).filter_by(username="newcomer")) is not None
    failures = [r for r in caplog.records if r.name == "roster.mail" and r.levelno >= logging.ERROR]
    assert failures
    assert "invite/" not in caplog.text


def test_a_hung_mail_server_does_not_hold_the_request(app, make_app, member, admin, silent_server):
    hung = make_app(MAIL_URL=f"smtp://127.0.0.1:{silent_server}", MAIL_WAIT_SECONDS=0.2)
    client = hung.test_client()
    assert client.post("/password/forgot", data={"email": "member"}).status_code == 200
    sign_in(client, "admin")
    response = client.post(
        "/users", data={"username": "patient", "email": "patient@example.com"}, headers=HX
    )
    assert "is on its way" in response.get_data(as_text=True)
    assert scalar(app, select(User).filter_by(username="patient")) is not None
