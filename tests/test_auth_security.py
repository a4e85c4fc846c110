"""CSRF, security headers, cookie flags, session fixation and password hashing."""

from __future__ import annotations

import pytest
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from roster.auth.service import renew_session
from roster.extensions import db
from roster.users.models import User
from tests.helpers import HX, PASSWORD, fetch, scalar, sign_in

CSRF_MESSAGE = "Your session expired or the form was tampered with"


def cookie_headers(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.getlist("Set-Cookie")}


def flags(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


# ---- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_login_without_a_valid_token_is_refused(client, member, token):
    data = {"username": "member", "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data, csrf=False)
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert "<html" in response.get_data(as_text=True)
    assert 'data-testid="sign-out"' not in client.get("/").get_data(as_text=True)


def test_htmx_request_with_a_wrong_header_gets_the_message_as_a_fragment(client, member):
    response = client.post(
        "/login",
        data={"username": "member", "password": PASSWORD},
        headers={**HX, "X-CSRFToken": "wrong-token"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html
    assert "<html" not in html
    assert 'data-status="400"' in html


def test_register_without_a_token_creates_nobody(app, client):
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    assert client.post("/register", data=data, csrf=False).status_code == 400
    assert client.post("/register", data=data, headers=HX, csrf=False).status_code == 400
    assert scalar(app, select(func.count()).select_from(User)) == 0


def test_logout_without_a_token_keeps_the_user_signed_in(member_client):
    assert member_client.post("/logout", csrf=False).status_code == 400
    assert member_client.post("/logout", headers=HX, csrf=False).status_code == 400
    assert 'data-testid="sign-out"' in member_client.get("/").get_data(as_text=True)


def test_the_form_field_token_works_without_javascript(client, member):
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={"username": "member", "password": PASSWORD, "csrf_token": token},
        csrf=False,
    )
    assert response.status_code == 303


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_put_patch_delete_need_the_token_too(app, client, make_user, method):
    victim = make_user("victim")

    def remove(user_id: int) -> str:
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()
        return "removed"

    app.add_url_rule("/test-remove/<int:user_id>", view_func=remove, methods=[method])
    for headers in ({}, HX):
        response = client.open(
            f"/test-remove/{victim.id}", method=method, headers=headers, csrf=False
        )
        assert response.status_code == 400
        assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert fetch(app, User, victim.id) is not None
    # With the token the same request goes through: the refusal above was the token's doing.
    assert client.open(f"/test-remove/{victim.id}", method=method).status_code == 200


def test_every_full_page_carries_the_token_for_htmx(client):
    for url in ("/", "/login", "/register"):
        assert 'name="csrf-token"' in client.get(url).get_data(as_text=True)


# ---- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "/login", {}),
        ("GET", "/register", HX),
        ("POST", "/login", HX),
        ("GET", "/no/such/page", {}),
    ],
)
def test_security_headers_on_pages_fragments_and_errors(client, method, url, headers):
    response = client.open(url, method=method, headers=headers, data={"username": "x"})
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part for part in (p.strip() for p in csp.split(";"))}
    assert directives["script-src"] == "script-src 'self'"
    assert directives["style-src"] == "style-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_styles_or_handlers(client):
    """What the CSP forbids must not be in the markup in the first place."""
    for url in ("/login", "/register"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html
        assert "style=" not in html
        assert "hx-on" not in html
        assert " onclick=" not in html


# ---- cookies ------------------------------------------------------------------------------


def test_cookies_are_httponly_and_samesite_lax_over_http(client, member):
    response = client.post(
        "/login", data={"username": "member", "password": PASSWORD, "remember": "y"}
    )
    cookies = cookie_headers(response)
    for name in ("session", "remember_token"):
        assert {"httponly", "samesite=lax"} <= flags(cookies[name]), name
        # Plain http (development): a Secure cookie would never come back.
        assert "secure" not in flags(cookies[name]), name


def test_cookies_are_secure_over_https(client, member):
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={"username": "member", "password": PASSWORD, "remember": "y", "csrf_token": token},
        csrf=False,
        **https,
    )
    assert response.status_code == 303
    cookies = cookie_headers(response)
    for name in ("session", "remember_token"):
        assert {"secure", "httponly", "samesite=lax"} <= flags(cookies[name]), name
    assert "Strict-Transport-Security" in response.headers


def test_behind_a_trusted_proxy_x_forwarded_proto_https_makes_cookies_secure(make_app):
    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    response = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in flags(cookie_headers(response)["session"])


def test_without_a_trusted_proxy_x_forwarded_proto_is_ignored(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in flags(cookie_headers(response)["session"])


# ---- session fixation ---------------------------------------------------------------------


def test_sign_in_renews_the_session(client, member):
    client.get("/login")
    with client.session_transaction() as planted:
        planted["planted-by-attacker"] = "yes"
    before = client.get_cookie("session").value
    old_token = client.csrf_token()

    sign_in(client, "member")

    assert client.get_cookie("session").value != before
    with client.session_transaction() as renewed:
        assert "planted-by-attacker" not in renewed
        assert "csrf_token" not in renewed
    assert client.csrf_token() != old_token


def test_a_session_cookie_planted_before_sign_in_stays_anonymous(app, member):
    """The attacker keeps the cookie they planted; after the victim signs in it opens nothing."""
    attacker = app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("session").value

    victim = app.test_client()
    victim.set_cookie("session", planted)
    sign_in(victim, "member")

    assert 'data-testid="sign-out"' not in attacker.get("/").get_data(as_text=True)


# ---- passwords ----------------------------------------------------------------------------


def test_production_hashes_passwords_with_scrypt(make_app, member):
    production = make_app(without=("PASSWORD_HASH_METHOD",))
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    client = production.test_client()
    client.post(
        "/register",
        data={
            "username": "careful",
            "email": "careful@example.com",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    stored = scalar(production, select(User.password_hash).where(User.username == "careful"))
    assert stored.startswith("scrypt:")


def test_tests_use_a_fast_hash(app, member):
    assert app.config["PASSWORD_HASH_METHOD"].startswith("pbkdf2:sha256:")
    assert member.password_hash.startswith("pbkdf2:sha256:1$")


def test_a_renewed_session_hands_out_a_new_csrf_token_in_the_same_request(app):
    """After sign-in or sign-out the old token is gone, also from Flask-WTF's per-request
    copy: a page rendered later in that request carries a token of the new session."""
    with app.test_request_context("/"):
        before = generate_csrf()
        renew_session()
        after = generate_csrf()
        assert after != before
        validate_csrf(after)
        with pytest.raises(ValidationError):
            validate_csrf(before)
