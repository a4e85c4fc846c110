"""The Redis cache of sessions: no SQL for a signed-in request, and never a stale sign-in."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event, update

from roster.extensions import db
from roster.users.models import User
from tests.helpers import PASSWORD, REDIS_URL

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def cached_app(make_app, redis_prefix, member, admin):
    return make_app(SESSION_CACHE_URL=REDIS_URL, SESSION_CACHE_PREFIX=redis_prefix)


class Statements(list):
    def record(self, _conn, _cursor, statement, *_args) -> None:
        self.append(statement)


@pytest.fixture
def statements(cached_app) -> Iterator[Statements]:
    seen = Statements()
    with cached_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen.record)
    yield seen
    event.remove(engine, "before_cursor_execute", seen.record)


def sign_in(client, username="member", **extra) -> None:
    data = {"username": username, "password": PASSWORD, **extra}
    assert client.post("/login", data=data).status_code == 303


def signed_in(client) -> bool:
    return client.get("/account/sessions").status_code == 200


def nav_name(client) -> str:
    html = client.get("/about").get_data(as_text=True)
    start = html.index('data-testid="nav-user">') + len('data-testid="nav-user">')
    return html[start : html.index("</a>", start)]


def test_a_signed_in_request_runs_no_sql_once_cached(cached_app, statements):
    browser = cached_app.test_client()
    sign_in(browser)
    assert browser.get("/about").status_code == 200  # fills the cache
    statements.clear()
    assert browser.get("/about").status_code == 200
    assert statements == []


def test_revoking_ends_a_cached_session_at_once(cached_app):
    phone = cached_app.test_client()
    sign_in(phone)
    assert signed_in(phone)
    assert signed_in(phone), "now served from the cache"
    laptop = cached_app.test_client()
    sign_in(laptop)
    assert laptop.post("/account/sessions/revoke-others").status_code == 303
    assert not signed_in(phone)
    assert signed_in(laptop)


def test_signing_out_ends_a_cached_copy_at_once(cached_app):
    browser = cached_app.test_client()
    sign_in(browser, remember="y")
    assert signed_in(browser)
    copy = cached_app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(copy)
    browser.post("/logout")
    assert not signed_in(copy)


def test_a_deactivation_reaches_cached_sessions_at_once(cached_app, member, admin):
    member_browser = cached_app.test_client()
    sign_in(member_browser)
    assert signed_in(member_browser)
    admin_browser = cached_app.test_client()
    sign_in(admin_browser, "admin")
    data = {
        "username": "member",
        "email": member.email,
        "is_active": "inactive",
        "version": str(member.version),
    }
    assert admin_browser.post(f"/users/{member.id}", data=data).status_code == 303
    assert not signed_in(member_browser)


def test_an_entry_from_before_a_migration_is_read_from_the_database(cached_app, statements, member):
    """A user cached by the code before roles (is_admin, no role) is not revived."""
    browser = cached_app.test_client()
    sign_in(browser)
    assert browser.get("/about").status_code == 200  # fills the cache
    cache = cached_app.extensions["roster_session_cache"]
    old = json.loads(cache.redis.get(cache.user_key(member.id)))
    old["is_admin"] = old.pop("role") == "admin"
    cache.redis.set(cache.user_key(member.id), json.dumps(old))
    statements.clear()
    assert nav_name(browser) == "Mem Ber"
    assert any("JOIN users" in statement for statement in statements)


def test_a_changed_user_is_not_served_stale(cached_app, member):
    browser = cached_app.test_client()
    sign_in(browser)
    assert nav_name(browser) == "Mem Ber"
    data = {
        "display_name": "New Name",
        "email": "member@example.com",
        "bio": "",
        "version": str(member.version),
    }
    assert browser.post("/user/member", data=data).status_code == 303
    assert nav_name(browser) == "New Name"


def test_a_password_change_ends_cached_copies(cached_app):
    browser = cached_app.test_client()
    sign_in(browser)
    copy = cached_app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(copy)
    change = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert browser.post("/account/password", data=change).status_code == 303
    assert not signed_in(copy)
    assert signed_in(browser)


def test_a_rotated_remember_token_is_not_served_from_the_cache(make_app, redis_prefix, member):
    app = make_app(
        SESSION_CACHE_URL=REDIS_URL, SESSION_CACHE_PREFIX=redis_prefix, SESSION_ROTATION_GRACE=0
    )
    browser = app.test_client()
    sign_in(browser, remember="y")
    assert signed_in(browser)
    stolen = browser.get_cookie("remember_token").value
    browser.delete_cookie("session")
    assert signed_in(browser)
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert not signed_in(thief)
    assert not signed_in(browser)


def test_without_redis_everything_still_works(make_app, member, caplog):
    app = make_app(SESSION_CACHE_URL="redis://127.0.0.1:1/0")
    browser = app.test_client()
    sign_in(browser)
    assert signed_in(browser)
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert browser.post("/logout").status_code == 303
    assert not signed_in(copy)
    assert "Session cache unavailable" in caplog.text


def test_a_bulk_update_of_users_empties_the_cache(cached_app):
    browser = cached_app.test_client()
    sign_in(browser)
    assert nav_name(browser) == "Mem Ber"
    with cached_app.app_context():
        db.session.execute(update(User).values(display_name="Renamed In Bulk"))
        db.session.commit()
    assert nav_name(browser) == "Renamed In Bulk"
