"""A create form sent twice creates once: the second sending gets the first one's answer.

A double click, Enter pressed twice or a retry after a lost answer sends the same form (the
same `idempotency_key`) again; the server remembers the key with what it made.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roster import idempotency
from roster.audit.models import AuditEntry
from roster.idempotency.models import FormSubmission
from roster.posts.models import Post
from roster.users.models import User
from tests.helpers import HX, find, scalar, sign_in, text_of, texts

POST = {"title": "Only once", "body": "Sent twice, published once."}
NEW_USER = {
    "username": "once",
    "email": "once@example.com",
    "display_name": "Just Once",
    "password": "a long enough password",
}


def count(app, model, *where) -> int:
    return scalar(app, select(func.count()).select_from(model).where(*where))


def key_of(client, url: str, form: str) -> str:
    """The key of the create form on the page at `url`, as a browser would send it."""
    return find(client.get(url), f'{form} input[name="idempotency_key"]').get("value")


def user_id(app) -> int:
    return scalar(app, select(User.id).where(User.username == "once"))


@pytest.fixture
def post_key(member_client) -> str:
    return key_of(member_client, "/user/member", "#new-post-form")


@pytest.fixture
def user_key(admin_client) -> str:
    return key_of(admin_client, "/users", "#create-user-form")


def test_every_rendered_create_form_has_a_fresh_key(member_client, post_key):
    again = key_of(member_client, "/user/member", "#new-post-form")
    assert again != post_key
    assert len(post_key) >= 16


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain form"])
def test_a_post_sent_twice_is_published_once(app, member_client, post_key, headers):
    data = {**POST, "idempotency_key": post_key}
    first = member_client.post("/posts", data=data, headers=headers)
    second = member_client.post("/posts", data=data, headers=headers)
    assert count(app, Post) == 1
    assert second.status_code == first.status_code
    assert second.status_code in (200, 303)
    if headers:
        # The same answer as the first time: the posts section with the one post, no errors.
        assert texts(second, "[data-testid=post-card] h3") == ["Only once"]
        assert text_of(find(second, "[data-testid=post-count]")) == "1 post"
        assert not texts(second, "[data-testid=field-error]")
    else:
        assert second.headers["Location"] == first.headers["Location"]


def test_a_new_form_after_publishing_publishes_again(app, member_client, post_key):
    answer = member_client.post("/posts", data={**POST, "idempotency_key": post_key}, headers=HX)
    fresh = find(answer, '#new-post-form input[name="idempotency_key"]').get("value")
    assert fresh != post_key
    member_client.post("/posts", data={**POST, "idempotency_key": fresh}, headers=HX)
    assert count(app, Post) == 2


def test_a_form_sent_back_with_errors_keeps_its_key_and_publishes_once_fixed(
    app, member_client, post_key
):
    answer = member_client.post(
        "/posts", data={"title": "", "body": "x", "idempotency_key": post_key}, headers=HX
    )
    assert answer.status_code == 422
    assert find(answer, '#new-post-form input[name="idempotency_key"]').get("value") == post_key
    for _ in range(2):
        member_client.post("/posts", data={**POST, "idempotency_key": post_key}, headers=HX)
    assert count(app, Post) == 1


def test_without_a_key_every_sending_creates(app, member_client):
    for _ in range(2):
        assert member_client.post("/posts", data=POST, headers=HX).status_code == 200
    assert count(app, Post) == 2


@pytest.mark.parametrize("key", ["short", "x" * 65, "has spaces in it, see", "é" * 20])
def test_a_malformed_key_is_ignored(app, member_client, key):
    for _ in range(2):
        member_client.post("/posts", data={**POST, "idempotency_key": key}, headers=HX)
    assert count(app, Post) == 2
    assert count(app, FormSubmission) == 0


def test_someone_elses_key_replays_nothing_of_theirs(app, client, member, make_user, post_key):
    client.post("/posts", data={**POST, "idempotency_key": post_key}, headers=HX)
    make_user("other")
    sign_in(client, "other")
    answer = client.post(
        "/posts", data={"title": "Mine", "body": "Mine", "idempotency_key": post_key}, headers=HX
    )
    assert answer.status_code == 422
    assert "Only once" not in answer.get_data(as_text=True)
    assert count(app, Post) == 1


def test_a_key_is_forgotten_after_its_time(app, member_client, post_key):
    app.config["IDEMPOTENCY_KEY_MAX_AGE"] = 0
    for _ in range(2):
        member_client.post("/posts", data={**POST, "idempotency_key": post_key}, headers=HX)
    assert count(app, Post) == 2
    assert count(app, FormSubmission) == 1, "the expired key made way for the new one"


@pytest.fixture
def racing(monkeypatch):
    """The second sending looks before the first commits: its first look finds nothing."""
    real = idempotency.earlier_result
    looks: list[int | None] = []

    def late(once):
        looks.append(None if not looks else real(once))
        return looks[-1]

    monkeypatch.setattr(idempotency, "earlier_result", late)
    return looks


def test_a_twin_post_that_loses_the_race_answers_like_the_winner(
    app, member_client, post_key, racing
):
    data = {**POST, "idempotency_key": post_key}
    first = member_client.post("/posts", data=data, headers=HX)
    racing.clear()
    second = member_client.post("/posts", data=data, headers=HX)
    assert count(app, Post) == 1
    assert second.status_code == first.status_code == 200
    assert texts(second, "[data-testid=post-card] h3") == ["Only once"]


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain form"])
def test_a_user_sent_twice_is_created_once(app, admin_client, user_key, headers):
    data = {**NEW_USER, "idempotency_key": user_key}
    first = admin_client.post("/users", data=data, headers=headers)
    second = admin_client.post("/users", data=data, headers=headers)
    assert count(app, User, User.username == "once") == 1
    assert count(app, AuditEntry, AuditEntry.target_name == "once") == 1
    assert second.status_code == first.status_code
    assert second.status_code in (200, 303)
    if headers:
        # Not "This username is already taken.": the answer of the first sending.
        assert not texts(second, "[data-testid=field-error]")
        assert find(second, "template [data-testid=user-row]").get("id") == f"user-{user_id(app)}"


def test_a_twin_user_create_that_loses_the_race_answers_like_the_winner(
    app, admin_client, user_key, racing
):
    data = {**NEW_USER, "idempotency_key": user_key}
    admin_client.post("/users", data=data, headers=HX)
    racing.clear()
    second = admin_client.post("/users", data=data, headers=HX)
    assert second.status_code == 200
    assert not texts(second, "[data-testid=field-error]")
    assert count(app, User, User.username == "once") == 1


def test_a_replayed_invite_is_not_mailed_again(app, admin_client, user_key, mailbox):
    data = {**NEW_USER, "password": "", "idempotency_key": user_key}
    for _ in range(2):
        assert admin_client.post("/users", data=data, headers=HX).status_code == 200
    app.extensions["roster.postman"].drain(10)
    assert len(mailbox.to("once@example.com")) == 1
