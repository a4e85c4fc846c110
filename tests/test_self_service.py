"""Self-service: download my data, and delete my account (posts deleted or kept unnamed)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from roster.account.forms import CHOOSE
from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.mfa.models import Authenticator
from roster.posts.models import Post
from roster.profiles.forms import WRONG_PASSWORD
from roster.sessions.models import UserSession
from roster.users.models import User
from roster.users.rules import LAST_ADMIN
from tests.helpers import (
    HX,
    PASSWORD,
    fetch,
    find,
    find_all,
    is_full_page,
    save_all,
    scalar,
    scalars,
    sign_in,
    text_of,
)


@pytest.fixture
def member_posts(app, member, make_user) -> list[Post]:
    other = make_user("other")
    return save_all(
        app,
        [
            Post(author_id=member.id, title="First", body="Mine"),
            Post(author_id=member.id, title="Second", body="Mine too"),
            Post(author_id=other.id, title="Theirs", body="Not mine"),
        ],
    )


def count(app, model, *where) -> int:
    return scalar(app, select(func.count()).select_from(model).where(*where))


# ---- download my data ----------------------------------------------------------------------


def test_my_data_downloads_as_a_json_file(app, member_client, member, member_posts):
    answer = member_client.get("/account/data.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="roster-member.json"'
    assert answer.headers["Cache-Control"] == "no-store"
    data = answer.json
    assert data["profile"]["username"] == "member"
    assert data["profile"]["email"] == "member@example.com"
    assert [post["title"] for post in data["posts"]] == ["First", "Second"]
    assert len(data["sessions"]) == 1
    assert data["sessions"][0]["address"] == "127.0.0.1"
    assert "auth.sign_in" in [entry["action"] for entry in data["audit"]]


def test_my_data_holds_no_secret(app, member_client, member):
    member_client.get("/account/mfa")  # a two-factor key waiting for its code
    text = member_client.get("/account/data.json").text
    user = fetch(app, User, member.id)
    secret = scalar(app, select(Authenticator.secret))
    session_hash = scalar(app, select(UserSession.secret_hash))
    for hidden in (user.password_hash, secret, session_hash, PASSWORD):
        assert hidden not in text
    json.loads(text)


def test_my_data_needs_a_sign_in(client):
    answer = client.get("/account/data.json")
    assert answer.status_code == 303
    assert "/login?next=/account/data.json" in answer.location


def test_the_profile_links_to_both(member_client):
    profile = member_client.get("/user/member")
    assert find(profile, '[data-testid="account-data"]').get("href") == "/account/data.json"
    assert find(profile, '[data-testid="delete-account"]').get("href") == "/account/delete"


# ---- delete my account ---------------------------------------------------------------------


def delete(client, headers=None, **data):
    return client.post("/account/delete", data=data, headers=headers or {})


def test_the_delete_page_asks_for_the_password_and_a_choice(member_client):
    page = member_client.get("/account/delete")
    assert is_full_page(page)
    choices = find_all(page, "#delete-account-form input[name=posts]")
    assert [c.get("value") for c in choices] == ["delete", "keep"]
    assert not [c for c in choices if c.get("checked") is not None], "nothing chosen for them"
    fragment = member_client.get("/account/delete", headers=HX)
    assert not is_full_page(fragment)
    assert find(fragment, "#delete-account-form") is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "nope", "posts": "keep"}, WRONG_PASSWORD),
        ({"password": PASSWORD}, CHOOSE),
        ({"password": PASSWORD, "posts": "all of them"}, CHOOSE),
        ({"posts": "delete"}, "This field is required."),
    ],
)
def test_nothing_is_deleted_without_the_password_and_a_choice(
    app, member_client, member, data, message
):
    answer = delete(member_client, HX, **data)
    assert answer.status_code == 422
    assert message in answer.text
    assert fetch(app, User, member.id) is not None


def test_deleting_with_kept_posts(app, client, member_client, member, member_posts):
    elsewhere = app.test_client()
    sign_in(elsewhere, "member")
    answer = delete(member_client, password=PASSWORD, posts="keep")
    assert answer.status_code == 303
    assert answer.location == "/"
    assert "Your account is deleted" in member_client.get("/").text
    assert fetch(app, User, member.id) is None
    assert count(app, UserSession, UserSession.user_id == member.id) == 0
    assert elsewhere.get("/account/sessions").status_code == 303, "signed out everywhere"
    assert member_client.get("/account/sessions").status_code == 303
    kept = scalars(app, select(Post).where(Post.author_id.is_(None)).order_by(Post.id))
    assert [post.title for post in kept] == ["First", "Second"]
    page = client.get(f"/post/{kept[0].id}")
    assert text_of(find(page, '[data-testid="post-author"]')) == "a deleted account"
    assert "First" in client.get("/").text
    [entry] = scalars(app, select(AuditEntry).where(AuditEntry.action == "account.delete"))
    assert (entry.actor_id, entry.target_id, entry.target_name) == (member.id,) * 2 + ("member",)
    assert entry.changes == {"posts": [2, "kept without a name"]}


def test_deleting_with_the_posts(app, member_client, member, member_posts):
    assert delete(member_client, password=PASSWORD, posts="delete").status_code == 303
    assert scalars(app, select(Post.title)) == ["Theirs"]


def test_the_name_and_address_are_free_again(app, client, member_client, member):
    delete(member_client, password=PASSWORD, posts="delete")
    answer = client.post(
        "/register",
        data={
            "username": "member",
            "email": "member@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert answer.status_code == 303


def test_htmx_leaves_for_the_home_page(app, member_client, member):
    answer = delete(member_client, HX, password=PASSWORD, posts="keep")
    assert '"path": "/"' in answer.headers["HX-Location"]
    assert fetch(app, User, member.id) is None


def test_two_factor_secrets_go_too(app, member_client, member):
    member_client.get("/account/mfa")
    delete(member_client, password=PASSWORD, posts="keep")
    assert count(app, Authenticator) == 0


def test_the_last_admin_cannot_leave(app, admin_client, admin):
    answer = delete(admin_client, password=PASSWORD, posts="keep")
    assert answer.status_code == 422
    assert LAST_ADMIN in answer.text
    assert fetch(app, User, admin.id) is not None


def test_deleting_needs_a_csrf_token(app, member_client, member):
    answer = member_client.post(
        "/account/delete", data={"password": PASSWORD, "posts": "keep"}, csrf=False
    )
    assert answer.status_code == 400
    assert fetch(app, User, member.id) is not None


def test_wrong_passwords_are_rate_limited(make_app, member):
    client = make_app(PASSWORD_CHECK_RATE_LIMIT="2/minute").test_client()
    sign_in(client, "member")
    for _ in range(2):
        assert delete(client, password="nope", posts="keep").status_code == 422
    answer = delete(client, password=PASSWORD, posts="keep")
    assert answer.status_code == 429
    assert "Too many wrong passwords" in answer.text


def test_the_download_runs_the_same_queries_however_much_there_is(app, member_client, member):
    """Four reads (profile from the session, posts, sessions, audit), not one per row."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        member_client.get("/account/data.json")
        few = len(statements)
        save_all(app, [Post(author_id=member.id, title=f"P{n}", body="x") for n in range(20)])
        for _ in range(3):
            sign_in(app.test_client(), "member")
        statements.clear()
        member_client.get("/account/data.json")
        assert len(statements) == few
    finally:
        event.remove(engine, "before_cursor_execute", record)
