"""A user's details page: staff see one account whole; only admins sign its sessions out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roster.posts.models import Post
from roster.users.models import User, utcnow
from tests.helpers import (
    HX,
    PASSWORD,
    change,
    find,
    find_all,
    is_full_page,
    save,
    text_of,
    texts,
)


@pytest.fixture
def busy_member(app, client, member):
    """The member signed in once and failed once, wrote two posts (one hidden), was edited."""
    browser = app.test_client()
    browser.post("/login", data={"username": "member", "password": "wrong password!"})
    browser.post("/login", data={"username": "member", "password": PASSWORD})
    save(app, Post(author_id=member.id, title="Visible", body="Text"))
    hidden = save(app, Post(author_id=member.id, title="Hidden", body="Text"))
    change(app, Post, hidden.id, hidden_at=utcnow(), hidden_reason="Off topic")
    return member


def facts(response) -> dict[str, str]:
    return dict(
        zip(
            texts(response, '[data-testid="account-facts"] dt'),
            texts(response, '[data-testid="account-facts"] dd'),
            strict=True,
        )
    )


def test_an_admin_sees_the_whole_account(admin_client, busy_member):
    page = admin_client.get(f"/users/{busy_member.id}/details")
    assert page.status_code == 200
    assert is_full_page(page)
    assert facts(page) == {
        "Username": "member",
        "Name": "Mem Ber",
        "Email": "member@example.com",
        "Role": "Member",
        "Status": "Active",
        "Created": facts(page)["Created"],
        "Two-factor sign-in": "Off",
        "Email confirmed": "No",
    }
    assert [item.get("data-action") for item in find_all(page, '[data-testid="sign-in"]')] == [
        "auth.sign_in",
        "auth.sign_in_failed",
    ]
    assert len(find_all(page, '#sessions [data-testid="session"]')) == 1
    assert find_all(page, '#sessions [data-testid="revoke-session"]')
    titles = texts(page, '[data-testid="details-posts"] [data-testid="post-card"] h3')
    assert titles == ["Hidden", "Visible"]
    assert "Off topic" in text_of(find(page, '[data-testid="details-posts"]'))
    assert "Created user" in texts(page, '[data-testid="history-entry"] strong')
    full = find(page, '[data-testid="full-history"]')
    assert full.get("href") == f"/audit?user={busy_member.id}"
    assert find(page, '[data-testid="public-profile"]').get("href") == "/user/member"


def test_a_moderator_sees_it_with_post_controls_and_no_sign_out(moderator_client, busy_member):
    page = moderator_client.get(f"/users/{busy_member.id}/details")
    assert page.status_code == 200
    assert len(find_all(page, '#sessions [data-testid="session"]')) == 1
    assert find_all(page, '[data-testid="revoke-session"], [data-testid="revoke-others"]') == []
    posts = find(page, '[data-testid="details-posts"]')
    assert len(find_all(posts, '[data-testid="unhide-post"]')) == 1
    assert len(find_all(posts, '[data-testid="hide-post"]')) == 1


def test_htmx_gets_the_page_content_only(admin_client, member):
    response = admin_client.get(f"/users/{member.id}/details", headers=HX)
    assert response.status_code == 200
    assert not is_full_page(response)
    assert find_all(response, '[data-testid="user-details"]')


def test_a_deleted_user_is_shown_as_in_the_trash_without_a_profile_link(app, admin_client, member):
    change(app, type(member), member.id, deleted_at=utcnow())
    page = admin_client.get(f"/users/{member.id}/details")
    assert facts(page)["Status"] == "Deleted (in the trash)"
    assert find_all(page, '[data-testid="public-profile"]') == []


def test_an_invited_user_is_shown_as_such(admin_client, app):
    admin_client.post("/users", data={"username": "newbie", "email": "newbie@example.com"})
    page = admin_client.get("/users")
    newbie = find(page, '[data-testid="user-row"]:first-child [data-testid="user-details-link"]')
    details = admin_client.get(newbie.get("href"))
    assert facts(details)["Email confirmed"] == "No: invited, no password chosen yet"
    assert text_of(find(details, '[data-testid="sign-ins"]')) == "No sign-ins recorded."


def test_sections_are_bounded(app, admin_client, member):
    app.config["DETAILS_ROWS"] = 2
    for number in range(4):
        save(app, Post(author_id=member.id, title=f"Post {number}", body="Text"))
        admin_client.put(
            f"/users/{member.id}",
            data={
                "username": "member",
                "email": "member@example.com",
                "display_name": f"Name {number}",
                "role": "member",
                "is_active": "active",
                "version": str(number + 1),
            },
        )
    page = admin_client.get(f"/users/{member.id}/details")
    assert len(find_all(page, '[data-testid="post-card"]')) == 2
    assert len(find_all(page, '[data-testid="history-entry"]')) == 2
    assert text_of(find(page, '[data-testid="full-history"]')) == "Older entries in the audit log"


def test_a_missing_user_is_404(admin_client):
    assert admin_client.get("/users/999/details").status_code == 404


def test_anonymous_visitors_go_to_sign_in(client, member):
    response = client.get(f"/users/{member.id}/details")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    htmx = client.get(f"/users/{member.id}/details", headers=HX)
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_members_are_refused(member_client, member):
    assert member_client.get(f"/users/{member.id}/details").status_code == 403


def test_the_account_says_whether_two_factor_sign_in_is_on(app, admin_client, member):
    change(app, User, member.id, mfa_enabled_at=datetime(2026, 3, 1, tzinfo=UTC))
    page = admin_client.get(f"/users/{member.id}/details")
    assert facts(page)["Two-factor sign-in"] == "On since 1 Mar 2026"
