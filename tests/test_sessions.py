"""Server-side sessions: a copy of a cookie is worth nothing once its session has ended.

Each test signs in, copies the cookies as a thief would, ends the session some way, and
replays the copy in a fresh client.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from roster.extensions import db
from roster.sessions.models import UserSession
from roster.sessions.service import end_sessions, open_sessions
from roster.users.models import User, utcnow
from tests.helpers import fetch, find_all, scalars

REMEMBER = "remember_token"
HX = {"HX-Request": "true"}
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def browser_with(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def signed_in(client) -> bool:
    """A page only signed-in users may open answers 200 rather than a redirect to sign in."""
    return client.get("/account/sessions").status_code == 200


def sign_in(client, username="member", password=PASSWORD, **extra):
    data = {"username": username, "password": password, **extra}
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def cookies(client) -> dict[str, str]:
    """The session and remember cookies, as a thief would copy them."""
    return {
        name: cookie.value
        for name in ("session", REMEMBER)
        if (cookie := client.get_cookie(name)) is not None
    }


def replay(app, copied: dict[str, str], *only: str):
    """A fresh browser holding the copied cookies (or only some of them)."""
    thief = app.test_client()
    for name, value in copied.items():
        if not only or name in only:
            thief.set_cookie(name, value)
    return thief


def session_rows(app, user: User) -> list[UserSession]:
    return scalars(
        app, select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )


def run(app, statement) -> None:
    """Execute one statement and commit, in an app context of its own."""
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def open_session_ids(app, user: User) -> list[int]:
    with app.app_context():
        return [record.id for record in open_sessions(user.id)]


def admin_edit(app, admin_client, user: User, **changes):
    user = fetch(app, User, user.id)
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "active" if user.is_active else "inactive",
        "version": str(user.version),
        **changes,
    }
    response = admin_client.post(f"/users/{user.id}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.fixture
def member_browser(app, member):
    """The member, signed in with "remember me" on a browser of their own."""
    browser = app.test_client()
    sign_in(browser, remember="y")
    assert signed_in(browser)
    return browser


# ---- the record ----------------------------------------------------------------------------


def test_signing_in_opens_a_record_with_a_hashed_secret(app, member):
    browser = browser_with(app, FIREFOX)
    sign_in(browser, remember="y")
    [record] = session_rows(app, member)
    assert record.remember
    assert record.ended_at is None
    assert record.user_agent == FIREFOX
    assert record.ip_address == "127.0.0.1"
    secret = cookies(browser)  # the cookies carry the secret; the table only its hash
    assert all(record.secret_hash not in value for value in secret.values())
    assert len(record.secret_hash) == 64


def test_without_remember_me_the_record_says_so(app, member):
    sign_in(app.test_client())
    assert [r.remember for r in session_rows(app, member)] == [False]


@pytest.mark.parametrize(
    "identity",
    ["", "1", "1:1", "1:1:", "x:1:secret", "1:x:secret", "1:1:wrong", "2:1:secret", "9" * 40],
)
def test_a_forged_identity_signs_in_nobody(app, member, member_browser, identity):
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = identity
    assert not signed_in(forged)


# ---- sign-out --------------------------------------------------------------------------------


def test_a_copy_of_the_session_cookie_is_dead_after_sign_out(app, member, member_browser):
    copied = cookies(member_browser)
    assert signed_in(replay(app, copied, "session")), "the copy works while the session is open"
    assert member_browser.post("/logout").status_code == 303
    assert not signed_in(replay(app, copied, "session"))
    assert [(r.end_reason is not None) for r in session_rows(app, member)] == [True]
    assert session_rows(app, member)[0].end_reason == "signed-out"


def test_a_copy_of_the_remember_cookie_is_dead_after_sign_out(app, member, member_browser):
    copied = cookies(member_browser)
    member_browser.post("/logout")
    assert not signed_in(replay(app, copied, REMEMBER))
    assert not signed_in(replay(app, copied))


def test_signing_out_ends_only_this_browsers_session(app, member, member_browser):
    laptop = app.test_client()
    sign_in(laptop)
    laptop.post("/logout")
    assert signed_in(member_browser)


# ---- remember-me rotation --------------------------------------------------------------------


def test_the_remember_cookie_rotates_when_it_signs_in(app, member, member_browser):
    before = cookies(member_browser)[REMEMBER]
    member_browser.delete_cookie("session")  # the browser restarted
    assert signed_in(member_browser)
    after = cookies(member_browser)[REMEMBER]
    assert after != before
    member_browser.delete_cookie("session")
    assert signed_in(member_browser), "the new token signs in"
    [record] = session_rows(app, member)
    assert record.previous_hash is not None
    assert record.rotated_at is not None


def test_a_rotated_token_replayed_later_ends_the_whole_session(make_app, member):
    app = make_app(SESSION_ROTATION_GRACE=0)
    browser = app.test_client()
    sign_in(browser, remember="y")
    stolen = cookies(browser)[REMEMBER]
    browser.delete_cookie("session")
    assert signed_in(browser), "the owner's browser uses the token first: it rotates"
    thief = app.test_client()
    thief.set_cookie(REMEMBER, stolen)
    assert not signed_in(thief)
    assert not signed_in(browser), "reuse ends the session for the owner too"
    [record] = session_rows(app, member)
    assert record.end_reason == "remember-token-reused"


def test_a_rotated_token_within_the_grace_period_serves_that_request_only(app, member):
    browser = app.test_client()
    sign_in(browser, remember="y")
    token = cookies(browser)[REMEMBER]
    browser.delete_cookie("session")
    assert signed_in(browser)
    parallel = app.test_client()  # the same browser's request that left with the old token
    parallel.set_cookie(REMEMBER, token)
    assert signed_in(parallel)
    assert parallel.get_cookie(REMEMBER).value == token, "no new token for the loser"
    assert signed_in(browser), "the session lives on"
    assert session_rows(app, member)[0].ended_at is None


# ---- revocation from /account/sessions ----------------------------------------------------


def test_revoking_a_session_signs_that_browser_out(app, member, member_browser):
    laptop = app.test_client()
    sign_in(laptop)
    copied = cookies(member_browser)
    other_id = session_rows(app, member)[0].id
    response = laptop.post(f"/account/sessions/{other_id}/revoke")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/sessions"
    assert not signed_in(member_browser)
    assert not signed_in(replay(app, copied, REMEMBER))
    assert signed_in(laptop)
    assert session_rows(app, member)[0].end_reason == "revoked"


def test_revoking_answers_htmx_with_the_list_and_a_toast(app, member, member_browser):
    laptop = app.test_client()
    sign_in(laptop)
    other_id = session_rows(app, member)[0].id
    response = laptop.post(f"/account/sessions/{other_id}/revoke", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith('<div id="session-list"')
    assert f'id="session-{other_id}"' not in html
    assert 'data-testid="toast"' in html
    assert "<html" not in html


def test_revoke_others_keeps_this_session_only(app, member, member_browser):
    phone = app.test_client()
    sign_in(phone)
    laptop = app.test_client()
    sign_in(laptop)
    response = laptop.post("/account/sessions/revoke-others", headers=HX)
    assert "Signed out 2 other sessions." in response.get_data(as_text=True)
    assert not signed_in(member_browser)
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert len(open_session_ids(app, member)) == 1


def test_nobody_revokes_another_users_session(app, member, member_browser, make_user):
    make_user("mallory")
    mallory = app.test_client()
    sign_in(mallory, "mallory")
    other_id = session_rows(app, member)[0].id
    assert mallory.post(f"/account/sessions/{other_id}/revoke").status_code == 404
    assert signed_in(member_browser)


def test_the_current_session_is_not_revoked_here(app, member_browser, member):
    own_id = session_rows(app, member)[0].id
    assert member_browser.post(f"/account/sessions/{own_id}/revoke").status_code == 404
    assert signed_in(member_browser)


def test_an_ended_or_unknown_session_is_not_found(app, member, member_browser):
    laptop = app.test_client()
    sign_in(laptop)
    other_id = session_rows(app, member)[0].id
    assert laptop.post(f"/account/sessions/{other_id}/revoke").status_code == 303
    assert laptop.post(f"/account/sessions/{other_id}/revoke").status_code == 404
    assert laptop.post("/account/sessions/999999/revoke").status_code == 404


@pytest.mark.parametrize("url", ["/account/sessions/1/revoke", "/account/sessions/revoke-others"])
def test_revoking_needs_a_csrf_token(app, member, member_browser, url):
    assert member_browser.post(url, csrf=False).status_code == 400
    assert signed_in(member_browser)
    assert session_rows(app, member)[0].ended_at is None


@pytest.mark.parametrize(
    "url", ["/account/sessions", "/account/sessions/1/revoke", "/account/sessions/revoke-others"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    method = client.get if url == "/account/sessions" else client.post
    response = method(url)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")


# ---- the sessions page -----------------------------------------------------------------------


def test_the_page_lists_browser_os_address_and_marks_this_one(app, member):
    iphone = browser_with(app, IPHONE)
    sign_in(iphone)
    laptop = browser_with(app, FIREFOX)
    sign_in(laptop, remember="y")
    response = laptop.get("/account/sessions")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html
    assert "Firefox 133 on Ubuntu" in html
    assert "Mobile Safari 17 on iOS" in html
    assert html.count('data-testid="session"') == 2
    assert html.count('data-testid="current-session"') == 1
    laptop_id, iphone_id = (r.id for r in reversed(session_rows(app, member)))
    current = re.search(r'id="session-(\d+)"[^>]*>(?:(?!</li>).)*current-session', html, re.S)
    assert current is not None
    assert int(current.group(1)) == laptop_id
    assert f'action="/account/sessions/{iphone_id}/revoke"' in html
    assert f'action="/account/sessions/{laptop_id}/revoke"' not in html
    assert "127.0.0.1" in html


def test_the_page_answers_htmx_with_the_list_only(member_browser):
    response = member_browser.get("/account/sessions", headers=HX)
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div id="session-list"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_ended_and_idle_sessions_are_not_listed(app, member, member_browser):
    old = app.test_client()
    sign_in(old)
    old.post("/logout")
    idle = app.test_client()
    sign_in(idle)
    idle_id = session_rows(app, member)[-1].id
    run(
        app,
        update(UserSession)
        .where(UserSession.id == idle_id)
        .values(last_seen_at=utcnow() - timedelta(days=15)),
    )
    assert not signed_in(idle), "a session left idle past SESSION_IDLE_TIMEOUT has ended"
    assert open_session_ids(app, member) == [session_rows(app, member)[0].id]


def test_the_profile_links_to_the_sessions_page(member_browser):
    html = member_browser.get("/user/member").get_data(as_text=True)
    assert 'href="/account/sessions"' in html


# ---- accounts that change end their sessions ----------------------------------------------


def test_changing_the_password_kills_a_copy_of_this_browsers_cookies(app, member, member_browser):
    copied = cookies(member_browser)
    change = {
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    assert member_browser.post("/account/password", data=change).status_code == 303
    assert signed_in(member_browser), "this browser goes on, on a new session"
    assert not signed_in(replay(app, copied, "session"))
    assert not signed_in(replay(app, copied, REMEMBER))
    reasons = [r.end_reason for r in session_rows(app, member)]
    assert reasons == ["password-changed", None]


def test_an_admin_password_reset_ends_every_session(app, admin_client, member, member_browser):
    copied = cookies(member_browser)
    admin_edit(app, admin_client, member, password=NEW_PASSWORD)
    assert not signed_in(member_browser)
    assert not signed_in(replay(app, copied, REMEMBER))


def test_deactivation_ends_sessions_and_reactivation_revives_none(
    app, admin_client, member, member_browser
):
    copied = cookies(member_browser)
    admin_edit(app, admin_client, member, is_active="inactive")
    assert not signed_in(member_browser)
    admin_edit(app, admin_client, member, is_active="active")
    assert not signed_in(member_browser)
    assert not signed_in(replay(app, copied, "session"))
    assert not signed_in(replay(app, copied, REMEMBER))
    assert [r.end_reason for r in session_rows(app, member)] == ["deactivated"]
    sign_in(app.test_client())  # the account itself works again


def test_deletion_ends_sessions_and_restoring_revives_none(
    app, admin_client, member, member_browser
):
    copied = cookies(member_browser)
    assert admin_client.post(f"/users/{member.id}/delete").status_code == 303
    assert not signed_in(member_browser)
    assert admin_client.post(f"/users/{member.id}/restore").status_code == 303
    assert not signed_in(member_browser)
    assert not signed_in(replay(app, copied, REMEMBER))
    assert [r.end_reason for r in session_rows(app, member)] == ["deleted"]


def test_end_sessions_keeps_only_the_one_asked_for(app, member, member_browser):
    laptop = app.test_client()
    sign_in(laptop)
    keep = session_rows(app, member)[-1].id
    with app.app_context():
        assert len(end_sessions(member.id, "password-reset", keep=keep)) == 1
        db.session.commit()
    assert not signed_in(member_browser)
    assert signed_in(laptop)


def test_purging_a_user_deletes_their_sessions(app, runner, admin_client, member, member_browser):
    admin_client.post(f"/users/{member.id}/delete")
    assert runner.invoke(args=["purge-deleted", "--older-than-days", "0"]).exit_code == 0
    assert session_rows(app, member) == []


# ---- admins ------------------------------------------------------------------------------------


def test_admins_see_and_revoke_a_users_sessions(app, admin_client, member, member_browser):
    old_address = admin_client.get(f"/users/{member.id}/sessions")
    assert old_address.status_code == 301
    assert old_address.headers["Location"] == f"/users/{member.id}/details#sessions"
    page = admin_client.get(f"/users/{member.id}/details")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert len(find_all(page, '#sessions [data-testid="session"]')) == 1
    assert 'data-testid="current-session"' not in html
    record_id = session_rows(app, member)[0].id
    response = admin_client.post(f"/users/{member.id}/sessions/{record_id}/revoke", headers=HX)
    assert response.status_code == 200
    assert 'data-testid="sessions-empty"' in response.get_data(as_text=True)
    assert not signed_in(member_browser)
    assert session_rows(app, member)[0].end_reason == "revoked-by-admin"


def test_admins_sign_a_user_out_everywhere(app, admin_client, member, member_browser):
    phone = app.test_client()
    sign_in(phone)
    response = admin_client.post(f"/users/{member.id}/sessions/revoke-all")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/users/{member.id}/details#sessions"
    assert not signed_in(member_browser)
    assert not signed_in(phone)


def test_an_admin_revokes_only_sessions_of_the_user_named(app, admin_client, admin, member):
    browser = app.test_client()
    sign_in(browser)
    record_id = session_rows(app, member)[0].id
    assert admin_client.post(f"/users/{admin.id}/sessions/{record_id}/revoke").status_code == 404
    assert signed_in(browser)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/users/{id}/sessions"),
        ("POST", "/users/{id}/sessions/1/revoke"),
        ("POST", "/users/{id}/sessions/revoke-all"),
    ],
)
def test_members_may_not_touch_others_sessions(member_browser, member, method, url):
    response = member_browser.open(url.format(id=member.id), method=method)
    assert response.status_code == 403
    assert signed_in(member_browser)


# ---- cost of a signed-in request ---------------------------------------------------------------


@pytest.fixture
def statements(app):
    """SQL statements run by the engine, recorded while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_signed_in_request_costs_one_query(app, member, member_browser, statements):
    statements.clear()
    assert member_browser.get("/about").status_code == 200
    assert len(statements) == 1, statements
    assert "JOIN users" in statements[0]
    assert "user_sessions.id = " in statements[0]


def test_last_seen_is_written_at_most_once_a_minute(app, member, statements):
    assert app.config["SESSION_TOUCH_INTERVAL"] == 60
    browser = app.test_client()
    sign_in(browser)
    statements.clear()
    for _ in range(3):
        assert signed_in(browser)
    assert not [s for s in statements if s.startswith("UPDATE")]
    run(app, update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    statements.clear()
    for _ in range(3):
        assert signed_in(browser)
    assert len([s for s in statements if s.startswith("UPDATE user_sessions")]) == 1
    seen = session_rows(app, member)[0].last_seen_at
    assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=30)
