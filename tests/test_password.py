"""Changing the password keeps this session and ends every other session and remember cookie."""

from __future__ import annotations

import pytest

from roster.profiles.forms import WRONG_PASSWORD
from roster.users import policy
from roster.users.models import User
from tests.helpers import HX, PASSWORD, fetch, sign_in

NEW_PASSWORD = "a brand new passphrase"
CHANGE = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
REMEMBER_COOKIE = "remember_token"


def signed_in(client) -> bool:
    """A page only signed-in users may open answers 200 rather than a redirect to sign in."""
    return client.get("/account/password").status_code == 200


def sign_in_remembered(client, username="member", password=PASSWORD):
    data = {"username": username, "password": password, "remember": "y"}
    assert client.post("/login", data=data).status_code == 303
    assert client.get_cookie(REMEMBER_COOKIE) is not None


def drop_session(client) -> None:
    """As if the browser restarted: only the remember cookie is left."""
    client.delete_cookie("session")


def stored_hash(app, user: User) -> str:
    return fetch(app, User, user.id).password_hash


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/account/password"


def test_the_form_asks_for_the_current_and_the_new_password(member_client):
    html = member_client.get("/account/password").get_data(as_text=True)
    for label in ("Current password", "New password", "Confirm new password"):
        assert f">{label}</label>" in html


def test_the_owner_finds_the_link_on_their_profile(member_client):
    assert 'href="/account/password"' in member_client.get("/user/member").get_data(as_text=True)


def test_changing_keeps_this_session_and_the_new_password_works(member_client, member, app):
    response = member_client.post("/account/password", data=CHANGE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/member"
    assert signed_in(member_client)
    fresh = app.test_client()
    assert (
        fresh.post("/login", data={"username": "member", "password": PASSWORD}).status_code == 422
    )
    new_login = {"username": "member", "password": NEW_PASSWORD}
    assert fresh.post("/login", data=new_login).status_code == 303


def test_changing_signs_out_every_other_session(app, member_client, member):
    other_device = app.test_client()
    sign_in(other_device, "member")
    assert signed_in(other_device)
    assert member_client.post("/account/password", data=CHANGE).status_code == 303
    assert not signed_in(other_device)
    assert signed_in(member_client)


def test_changing_ends_other_remember_cookies(app, member_client, member):
    other_device = app.test_client()
    sign_in_remembered(other_device)
    drop_session(other_device)
    assert signed_in(other_device), "the remember cookie signs in on its own"
    assert member_client.post("/account/password", data=CHANGE).status_code == 303
    drop_session(other_device)
    assert not signed_in(other_device)


def test_a_remembered_session_stays_remembered(client, member):
    sign_in_remembered(client)
    assert client.post("/account/password", data=CHANGE).status_code == 303
    drop_session(client)
    assert signed_in(client), "this device got a remember cookie with the new token"


def test_a_session_that_was_not_remembered_gets_no_remember_cookie(member_client):
    assert member_client.post("/account/password", data=CHANGE).status_code == 303
    assert member_client.get_cookie(REMEMBER_COOKIE) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"current_password": "wrong password!"}, WRONG_PASSWORD),
        ({"current_password": ""}, "This field is required."),
        ({"password": "short", "confirm": "short"}, policy.PASSWORD_MESSAGE),
        ({"confirm": "something else entirely"}, policy.CONFIRM_MESSAGE),
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_rejected_change_keeps_the_old_password(
    app, member_client, member, change, message, headers
):
    before = stored_hash(app, member)
    response = member_client.post("/account/password", data={**CHANGE, **change}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="password-form"' in html
    assert NEW_PASSWORD not in html, "passwords are never sent back"
    assert stored_hash(app, member) == before
    assert signed_in(member_client)


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_a_missing_or_forged_csrf_token_changes_nothing(app, member_client, member, token):
    before = stored_hash(app, member)
    data = {**CHANGE, **({"csrf_token": token} if token else {})}
    assert member_client.post("/account/password", data=data, csrf=False).status_code == 400
    assert stored_hash(app, member) == before


def test_wrong_current_passwords_are_rate_limited_per_account(app, make_app, member):
    client = make_app(PASSWORD_CHECK_RATE_LIMIT="2/minute").test_client()
    sign_in(client, member.username)
    wrong = {**CHANGE, "current_password": "not the password"}
    for _ in range(2):
        assert client.post("/account/password", data=wrong).status_code == 422
    before = stored_hash(app, member)
    limited = client.post("/account/password", data=CHANGE, headers=HX)
    assert limited.status_code == 429
    assert "Too many" in limited.get_data(as_text=True)
    assert stored_hash(app, member) == before
