"""Invites: an admin creates a user without a password; the user chooses it from the mailed link."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from sqlalchemy import select

from roster.users.models import User
from tests.helpers import HX, scalar, sign_in

SUBJECT = "You are invited to Roster"
PASSWORD = "my own chosen password"


def invite(client, username: str = "guest"):
    return client.post("/users", data={"username": username, "email": f"{username}@example.com"})


def invite_path(mailbox, address: str = "guest@example.com") -> str:
    mail = mailbox.wait_for(address, SUBJECT)
    assert "Ad Min" in mail.text, "says who invited"
    return urlsplit(mail.link("/invite/")).path


def the_user(app, username: str = "guest") -> User:
    return scalar(app, select(User).filter_by(username=username))


def accept(client, path: str, password: str = PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def test_a_user_created_without_a_password_is_invited(app, admin_client, mailbox):
    assert invite(admin_client).status_code == 303
    guest = the_user(app)
    assert not guest.has_usable_password
    assert not guest.check_password("")

    path = invite_path(mailbox)
    visitor = app.test_client()
    form = visitor.get(path)
    assert form.status_code == 200
    assert "guest" in form.get_data(as_text=True)
    response = accept(visitor, path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    sign_in(visitor, "guest", PASSWORD)
    assert the_user(app).email_verified_at is not None, "the link proved the address"

    assert visitor.get(path).status_code == 410


def test_the_admin_is_told_the_invitation_went_out(admin_client, mailbox):
    response = admin_client.post(
        "/users",
        data={"username": "told", "email": "told@example.com"},
        headers=HX,
    )
    assert "The invitation was sent to told@example.com" in response.get_data(as_text=True)
    mailbox.wait_for("told@example.com", SUBJECT)


def test_a_user_created_with_a_password_gets_no_invite(app, admin_client, mailbox):
    admin_client.post(
        "/users",
        data={"username": "ready", "email": "ready@example.com", "password": "given by admin!"},
    )
    invite(admin_client, "witness")
    mailbox.wait_for("witness@example.com", SUBJECT)
    assert mailbox.to("ready@example.com") == []
    assert the_user(app, "ready").has_usable_password


def test_the_table_offers_to_resend_and_the_old_link_dies(app, admin_client, mailbox):
    invite(admin_client)
    first = invite_path(mailbox)
    guest = the_user(app)
    assert 'data-testid="resend-invite"' in admin_client.get("/users").get_data(as_text=True)

    mailbox.clear()
    response = admin_client.post(f"/users/{guest.id}/invite", headers=HX)
    assert "The invitation was sent to guest@example.com" in response.get_data(as_text=True)
    second = invite_path(mailbox)
    assert second != first
    assert admin_client.get(first).status_code == 410
    assert admin_client.get(second).status_code == 200


def test_an_invite_expires(make_app, admin, mail_server):
    app = make_app(INVITE_LINK_MAX_AGE=1)
    mail_server.clear()
    client = app.test_client()
    sign_in(client, "admin")
    invite(client)
    path = invite_path(mail_server)
    time.sleep(2.1)
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "expired" in html
    assert "new invitation" in html


def test_a_reset_link_cannot_stand_in_for_an_invite(admin_client, mailbox):
    invite(admin_client)
    token = invite_path(mailbox).rsplit("/", 1)[1]
    assert admin_client.get(f"/password/reset/{token}").status_code == 400


def test_the_chosen_password_follows_the_rules(app, admin_client, mailbox):
    invite(admin_client)
    path = invite_path(mailbox)
    assert accept(admin_client, path, "short").status_code == 422
    assert not the_user(app).has_usable_password
