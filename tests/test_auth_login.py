"""Sign in and sign out: who gets in, what the form says, where the browser goes next."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import lxml.html
import pytest

from roster.auth import service, views
from roster.auth.access import safe_next
from roster.users.models import User
from tests.helpers import HX, PASSWORD, change, find, find_all, parse, text_of


def signed_in_as(client) -> str | None:
    """The username the nav shows, or None when the visitor is anonymous."""
    page = parse(client.get("/about"))
    if not find_all(page, '[data-testid="sign-out"]'):
        return None
    return text_of(find(page, 'a[data-testid="nav-user"]'))


def attempt(client, username: str, password: str, **data):
    return client.post("/login", data={"username": username, "password": password, **data})


@pytest.mark.parametrize(
    "identifier", ["member", "MEMBER", "member@example.com", "Member@Example.COM"]
)
def test_sign_in_with_username_or_email_in_any_case(client, member, identifier):
    response = attempt(client, identifier, PASSWORD)
    assert response.status_code == 303
    assert signed_in_as(client) == "Mem Ber"


def test_wrong_password_gives_the_generic_error_in_the_form(client, member):
    response = attempt(client, "member", "not the password", remember="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert views.LOGIN_FAILED in html
    assert 'value="member"' in html  # the username is kept
    assert "not the password" not in html  # the password is not
    assert signed_in_as(client) is None


def test_failure_is_a_fragment_for_htmx_and_a_full_page_without(client, member):
    fragment = client.post(
        "/login", data={"username": "member", "password": "nope"}, headers=HX
    ).get_data(as_text=True)
    assert '<form id="login-form"' in fragment
    assert "<html" not in fragment
    assert "New here?" not in fragment  # only the form, which htmx swaps for itself
    assert 'hx-post="/login"' in fragment
    page = attempt(client, "member", "nope").get_data(as_text=True)
    assert "<html" in page
    assert views.LOGIN_FAILED in page


def test_unknown_user_and_wrong_password_look_the_same(client, member):
    unknown = attempt(client, "nobody-here", "whatever password")
    wrong = attempt(client, "member", "whatever password")
    assert unknown.status_code == wrong.status_code == 422

    def error_of(response) -> bytes:
        return lxml.html.tostring(find(response, '[data-testid="form-error"]'))

    assert error_of(unknown) == error_of(wrong)


def test_unknown_user_costs_a_password_hash_check_too(client, monkeypatch):
    """Same work whether or not the account exists: timing tells nothing."""
    checked = []
    real = service.check_password_hash
    monkeypatch.setattr(
        service, "check_password_hash", lambda *args: checked.append(args) or real(*args)
    )
    attempt(client, "nobody-here", "whatever password")
    assert len(checked) == 1


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user("sleepy", is_active=False)
    response = attempt(client, "sleepy", PASSWORD)
    assert response.status_code == 422
    assert views.LOGIN_FAILED in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_deleted_user_cannot_sign_in(client, make_user):
    make_user("gone", deleted_at=datetime.now(UTC))
    assert attempt(client, "gone", PASSWORD).status_code == 422
    assert attempt(client, "gone@example.com", PASSWORD).status_code == 422
    assert signed_in_as(client) is None


def test_a_signed_in_user_who_is_deactivated_is_signed_out(app, client, member):
    attempt(client, "member", PASSWORD)
    assert signed_in_as(client) == "Mem Ber"
    change(app, User, member.id, is_active=False)
    assert signed_in_as(client) is None


def test_missing_fields_are_form_errors(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert 'data-testid="field-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/user/member", "/user/member"),
        ("/about?tab=1", "/about?tab=1"),
        ("//evil.example", "/"),
        ("///evil.example", "/"),
        ("https://evil.example", "/"),
        ("http://evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("JavaScript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
        ("evil.example", "/"),
        ("", "/"),
    ],
)
def test_only_local_next_is_followed(client, member, next_url, expected):
    response = client.post(
        "/login", query_string={"next": next_url}, data={"username": "member", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected
    assert safe_next(next_url) == expected


def test_login_form_keeps_a_safe_next_and_drops_an_evil_one(client):
    assert 'action="/login?next=/user/x"' in client.get("/login?next=/user/x").get_data(
        as_text=True
    )
    html = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in html


def test_htmx_sign_in_loads_next_into_the_body_with_hx_location(client, member):
    response = client.post(
        "/login?next=/user/member",
        data={"username": "member", "password": PASSWORD},
        headers=HX,
    )
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Location"]) == {"path": "/user/member", "target": "body"}
    assert signed_in_as(client) == "Mem Ber"


def test_the_page_htmx_loads_after_sign_in_is_a_full_page_with_the_new_token(client, member):
    """HX-Location with target body sends HX-Request-Type: full, so the nav and meta come too."""
    old_token = client.csrf_token()
    client.post("/login", data={"username": "member", "password": PASSWORD}, headers=HX)
    page = client.get("/", headers={**HX, "HX-Request-Type": "full"}).get_data(as_text=True)
    assert 'data-testid="sign-out"' in page
    assert 'name="csrf-token"' in page
    new_token = client.csrf_token()
    assert new_token != old_token
    # The new token is the one that works for the next unsafe request.
    assert client.post("/logout", headers={"X-CSRFToken": new_token}).status_code == 303


def test_remember_me_sets_a_lasting_cookie(client, member):
    attempt(client, "member", PASSWORD, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.expires is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    client.delete_cookie("session")  # the browser was closed
    assert signed_in_as(client) == "Mem Ber"


def test_without_remember_me_closing_the_browser_signs_out(client, member):
    attempt(client, "member", PASSWORD)
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert signed_in_as(client) is None


def test_sign_out_clears_the_session_and_the_remember_cookie(client, member):
    attempt(client, "member", PASSWORD, remember="y")
    response = client.post("/logout")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get_cookie("remember_token") is None
    assert signed_in_as(client) is None


def test_sign_out_is_post_only(member_client):
    assert member_client.get("/logout").status_code == 405
    assert signed_in_as(member_client) == "Mem Ber"


def test_signed_in_user_visiting_login_goes_to_next(member_client):
    response = member_client.get("/login?next=/about")
    assert response.status_code == 303
    assert response.headers["Location"] == "/about"


def test_signed_in_nav_shows_the_user_and_a_csrf_protected_sign_out(member_client):
    header = find(member_client.get("/"), "header#site-nav")
    assert text_of(find(header, '[data-testid="nav-user"]')) == "Mem Ber"
    sign_out = find(header, 'form[action="/logout"]')
    assert sign_out.get("method") == "post"
    assert find(sign_out, 'input[name="csrf_token"]').get("value")


def test_a_refused_sign_in_keeps_the_username_and_never_echoes_the_password(client, member):
    response = client.post("/login", data={"username": "member", "password": "s3cret-typed"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "s3cret-typed" not in html
    assert 'value="member"' in html


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/users?q=a b", "/users?q=a b"),  # a space is a character like any other
        ("/notes:today", "/notes:today"),  # a colon after the slash is no scheme
        ("/\x7f/evil.example", "/"),
        ("/a\x01b", "/"),
        ("/\n/evil.example", "/"),
    ],
)
def test_next_keeps_ordinary_characters_and_drops_control_ones(next_url, expected):
    assert safe_next(next_url) == expected
