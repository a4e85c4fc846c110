"""Registration: the same rules as the user types and on submit; clashes are form errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roster.auth import forms
from roster.users import policy
from roster.users.models import User
from tests.helpers import HX, find, parse, scalar

GOOD = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def user_count(app) -> int:
    return scalar(app, select(func.count()).select_from(User))


def check(client, name: str, **data):
    """What the field shows after an as-you-type check."""
    response = client.post(f"/register/check/{name}", data={**GOOD, **data}, headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_register_signs_in_a_member_and_goes_to_the_profile(app, client):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/newbie"
    user = scalar(app, select(User).where(User.username == "newbie"))
    assert user is not None
    assert not user.is_admin
    assert user.check_password(GOOD["password"])
    assert 'data-testid="sign-out"' in client.get("/").get_data(as_text=True)


def test_register_over_htmx_loads_the_profile_into_the_body(client):
    response = client.post("/register", data=GOOD, headers=HX)
    assert response.status_code == 200
    assert '"path": "/user/newbie"' in response.headers["HX-Location"]


def test_is_admin_in_the_form_is_ignored(app, client):
    client.post("/register", data={**GOOD, "is_admin": "y"})
    assert scalar(app, select(User.is_admin).where(User.username == "newbie")) is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "ab"}, "username", policy.USERNAME_MESSAGE),
        ({"username": "x" * 33}, "username", policy.USERNAME_MESSAGE),
        ({"username": "bad name!"}, "username", policy.USERNAME_MESSAGE),
        ({"email": "not-an-email"}, "email", policy.EMAIL_MESSAGE),
        ({"email": "two@@example.com"}, "email", policy.EMAIL_MESSAGE),
        ({"password": "short", "confirm": "short"}, "password", policy.PASSWORD_MESSAGE),
        ({"confirm": "something else entirely"}, "confirm", policy.CONFIRM_MESSAGE),
        ({"username": ""}, "username", "required"),
    ],
)
def test_invalid_fields_are_refused_on_submit_and_as_you_type(app, client, changes, field, message):
    response = client.post("/register", data={**GOOD, **changes}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "<html" not in html
    assert user_count(app) == 0

    fragment = check(client, field, **changes)
    assert f'id="field-{field}"' in fragment
    assert "has-error" in fragment
    assert message in fragment
    assert 'aria-invalid="true"' in fragment


@pytest.mark.parametrize(
    ("field", "value"), [("username", "NEWBIE"), ("email", "NewBie@Example.com")]
)
def test_taken_username_or_email_is_refused_in_any_case(app, client, make_user, field, value):
    make_user("newbie")
    fragment = check(client, field, **{field: value})
    assert policy.TAKEN_MESSAGES[field] in fragment
    response = client.post("/register", data={**GOOD, field: value})
    assert response.status_code == 422
    assert policy.TAKEN_MESSAGES[field] in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_a_good_value_shows_no_error_while_typing(client):
    for name in ("username", "email", "password", "confirm"):
        fragment = check(client, name)
        assert "has-error" not in fragment, name
        assert 'data-testid="field-error"' not in fragment, name


def test_only_the_checked_field_is_answered(client):
    fragment = check(client, "username", email="broken")
    assert 'id="field-username"' in fragment
    assert 'id="field-email"' not in fragment
    assert policy.EMAIL_MESSAGE not in fragment


def test_field_checks_need_the_csrf_token(client):
    response = client.post("/register/check/username", data=GOOD, headers=HX, csrf=False)
    assert response.status_code == 400


def test_unknown_fields_cannot_be_checked(client):
    assert client.post("/register/check/is_admin", data=GOOD).status_code == 404
    assert client.get("/register/check/username").status_code == 405


def test_fields_check_themselves_as_the_user_types(client):
    """htmx posts each field on keyup (after a pause) and on change, with no trigger filter."""
    page = parse(client.get("/register"))
    for name in ("username", "email", "password", "confirm"):
        field = find(page, f"input#{name}")
        assert field.get("hx-post") == f"/register/check/{name}"
        assert field.get("hx-trigger") == "keyup changed delay:400ms, change"
        assert not [attribute for attribute in field.attrib if attribute.startswith("hx-on")]


@pytest.mark.parametrize(
    ("existing", "submitted", "field"),
    [
        ({"username": "newbie", "email": "other@example.com"}, {"username": "NewBie"}, "username"),
        (
            {"username": "someone", "email": "newbie@example.com"},
            {"email": "NEWBIE@example.com"},
            "email",
        ),
    ],
)
def test_a_race_caught_by_the_unique_index_is_a_form_error(
    app, client, make_user, monkeypatch, existing, submitted, field
):
    """Both checks said free (another request won in between): the database has the last word."""
    make_user(existing["username"], email=existing["email"])
    monkeypatch.setattr(forms, "is_taken", lambda *args, **kwargs: False)
    response = client.post("/register", data={**GOOD, **submitted})
    assert response.status_code == 422
    assert policy.TAKEN_MESSAGES[field] in response.get_data(as_text=True)
    assert user_count(app) == 1
    # The session was rolled back: the next registration works.
    fresh = {**GOOD, "username": "fresh", "email": "fresh@example.com"}
    assert client.post("/register", data=fresh).status_code == 303


def test_blanks_around_username_and_email_are_dropped(app, client):
    client.post(
        "/register", data={**GOOD, "username": "  newbie ", "email": " newbie@example.com "}
    )
    user = scalar(app, select(User).where(User.username == "newbie"))
    assert user is not None
    assert user.email == "newbie@example.com"


def test_registration_uses_the_configured_hash(app, client):
    """Production hashes with scrypt (the default); only the tests pick a fast method."""
    client.post("/register", data=GOOD)
    stored = scalar(app, select(User.password_hash).where(User.username == "newbie"))
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")
