"""Escaping: a marker planted in every user-controlled string never comes back unescaped, in any
page, fragment or toast.

Display name, bio and post title and body are stored with the marker; username, email and search
text cannot hold it (their rules refuse "<"), so the marker travels there as rejected input that
the form shows back, and as search text that the table shows back.
"""

from __future__ import annotations

import pytest

from roster.posts.models import Post
from roster.users.models import User
from tests.helpers import PASSWORD, fetch, save, sign_in

MARKER = "<x-marker>"
PAYLOAD = f"\"'>{MARKER}"
HTMX = {"HX-Request": "true"}


def assert_escaped(response) -> None:
    body = response.get_data(as_text=True)
    assert MARKER not in body, f"{response.request.path}: {body[body.find(MARKER) - 200 :][:400]}"
    assert response.status_code < 500


@pytest.fixture
def planted(app, make_user):
    """A member whose display name, bio and post carry the marker, and an admin (likewise)."""
    member = make_user("member", display_name=PAYLOAD, bio=PAYLOAD)
    post = save(app, Post(author_id=member.id, title=PAYLOAD, body=PAYLOAD))
    make_user("admin", is_admin=True, display_name=PAYLOAD)
    return member, post


def every_view(member: User, post: Post) -> list[str]:
    return [
        "/",
        "/about",
        f"/user/{member.username}",
        f"/user/{member.username}/edit",
        f"/post/{post.id}",
        f"/post/{post.id}/edit",
        f"/post/{post.id}/delete",
        "/users",
        f"/users?q={PAYLOAD}",
        f"/users?q={member.username}",
        f"/users/{member.id}",
        f"/users/{member.id}/edit",
        f"/users/{member.id}?confirm=delete",
    ]


def test_stored_strings_are_escaped_on_every_page_and_fragment(planted, client):
    member, post = planted
    sign_in(client, "admin")
    for url in every_view(member, post):
        for headers in ({}, HTMX):
            assert_escaped(client.get(url, headers=headers))
    client.post("/logout")
    sign_in(client, "member")
    for url in every_view(member, post)[:7]:
        for headers in ({}, HTMX):
            assert_escaped(client.get(url, headers=headers))


def test_a_display_name_in_toasts_is_escaped(planted, client):
    member, post = planted
    # Sign-in greets by display name: on the next page, and as an htmx answer.
    response = client.post(
        "/login", data={"username": "member", "password": PASSWORD}, follow_redirects=True
    )
    assert_escaped(response)
    assert "Welcome back" in response.get_data(as_text=True)
    client.post("/logout")
    assert_escaped(
        client.post("/login", data={"username": "member", "password": PASSWORD}, headers=HTMX)
    )
    assert_escaped(client.get("/", headers=HTMX))
    # The owner saves the profile with the marker, by htmx and by a plain form.
    data = {"display_name": PAYLOAD, "email": "member@example.com", "bio": PAYLOAD}
    for headers, redirects in ((HTMX, False), ({}, True)):
        version = fetch(client.application, User, member.id).version
        # A stale version too: the conflict shows the saved values beside the typed ones.
        for sent in (version - 1, version):
            response = client.post(
                "/user/member",
                data={**data, "bio": f"{sent}{PAYLOAD}", "version": sent},
                headers=headers,
                follow_redirects=redirects,
            )
            assert_escaped(response)
            assert response.status_code == (409 if sent < version else 200)
    assert_escaped(client.post("/posts", data={"title": PAYLOAD, "body": PAYLOAD}, headers=HTMX))
    assert_escaped(
        client.post(f"/post/{post.id}", data={"title": PAYLOAD, "body": PAYLOAD}, headers=HTMX)
    )
    assert_escaped(client.post(f"/post/{post.id}/delete", headers=HTMX))


def test_admin_actions_and_their_toasts_are_escaped(planted, client):
    member, _ = planted
    sign_in(client, "admin")
    fields = {
        "username": "newbie",
        "email": "newbie@example.com",
        "display_name": PAYLOAD,
        "password": "a long enough password",
    }
    for headers in (HTMX, {}):
        assert_escaped(client.post("/users", data=fields, headers=headers, follow_redirects=True))
        fields = {**fields, "username": "newbie2", "email": "newbie2@example.com"}
    edit = {
        "username": "member",
        "email": "member@example.com",
        "display_name": PAYLOAD,
        "version": str(fetch(client.application, User, member.id).version),
    }
    assert_escaped(client.post(f"/users/{member.id}", data=edit, headers=HTMX))
    assert_escaped(client.post(f"/users/{member.id}/delete", headers=HTMX))
    assert_escaped(client.post(f"/users/{member.id}/restore", headers=HTMX))
    assert_escaped(client.post(f"/users/{member.id}/delete", follow_redirects=True))


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_rejected_input_shown_back_in_forms_is_escaped(planted, client, headers):
    """Username and email cannot hold the marker: forms that refuse them show them back."""
    member, _ = planted
    account = {"username": PAYLOAD, "email": PAYLOAD, "password": PAYLOAD, "confirm": PAYLOAD}
    assert_escaped(client.post("/register", data=account, headers=headers))
    for name in ("username", "email", "password", "confirm"):
        assert_escaped(client.post(f"/register/check/{name}", data=account, headers=HTMX))
    login = {"username": PAYLOAD, "password": PAYLOAD, "next": PAYLOAD}
    assert_escaped(client.post("/login", data=login, headers=headers))
    assert_escaped(client.get("/login", query_string={"next": PAYLOAD}, headers=headers))
    sign_in(client, "admin")
    user = {**account, "display_name": PAYLOAD, "is_admin": PAYLOAD}
    assert_escaped(client.post("/users", data=user, headers=headers))
    assert_escaped(client.post(f"/users/{member.id}", data=user, headers=headers))
    client.post("/logout")
    sign_in(client, "member")
    profile = {"display_name": PAYLOAD * 10, "email": PAYLOAD, "bio": PAYLOAD}
    assert_escaped(client.post("/user/member", data=profile, headers=headers))
    assert_escaped(client.post("/posts", data={"title": PAYLOAD * 10, "body": ""}, headers=headers))
