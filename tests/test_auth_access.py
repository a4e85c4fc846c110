"""Access: anonymous visitors are sent to sign in, users without the permission get 403.

The pages themselves live in other features; small routes stand in here: one that only admins
may see (users.change) and one for staff (users.read: admins and moderators).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_login import AnonymousUserMixin

from roster.auth.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    can,
    has_permission,
    permission_required,
)
from roster.users.policy import Role
from tests.helpers import HX, sign_in


@pytest.fixture
def admin_page(app: Flask) -> str:
    """An admin-only page (and fragment), registered before the first request."""

    @permission_required(Permission.USERS_CHANGE)
    def secret() -> str:
        return "<p data-testid='secret'>admins only</p>"

    app.add_url_rule("/test-admin", "test_admin", secret)
    return "/test-admin"


@pytest.fixture
def staff_page(app: Flask) -> str:
    @permission_required(Permission.USERS_READ)
    def staff() -> str:
        return "<p>staff only</p>"

    app.add_url_rule("/test-staff", "test_staff", staff)
    return "/test-staff"


def next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/login"
    return parse_qs(parts.query)["next"][0]


def test_anonymous_page_request_goes_to_sign_in_with_next(client, admin_page):
    response = client.get(f"{admin_page}?sort=name&page=2")
    assert response.status_code == 303
    assert next_of(response.headers["Location"]) == "/test-admin?sort=name&page=2"
    assert "HX-Request" in response.headers["Vary"]


def test_anonymous_htmx_request_gets_hx_redirect_to_the_page_it_was_on(client, admin_page):
    response = client.get(
        admin_page, headers={**HX, "HX-Current-URL": "http://localhost/test-admin?q=ann"}
    )
    assert response.status_code == 401
    assert next_of(response.headers["HX-Redirect"]) == "/test-admin?q=ann"
    assert response.get_data(as_text=True) == ""  # nothing to swap into a table


def test_anonymous_htmx_request_from_another_site_falls_back_to_the_request(client, admin_page):
    response = client.get(admin_page, headers={**HX, "HX-Current-URL": "https://evil.example/x"})
    assert next_of(response.headers["HX-Redirect"]) == "/test-admin"


def test_member_gets_403_as_page_and_as_fragment(client, member, admin_page):
    sign_in(client, member.username)
    page = client.get(admin_page)
    assert page.status_code == 403
    assert "<html" in page.get_data(as_text=True)
    assert "admins only" not in page.get_data(as_text=True)
    fragment = client.get(admin_page, headers=HX)
    assert fragment.status_code == 403
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'data-status="403"' in fragment.get_data(as_text=True)


def test_admin_gets_the_page(client, admin, admin_page):
    sign_in(client, admin.username)
    response = client.get(admin_page)
    assert response.status_code == 200
    assert "admins only" in response.get_data(as_text=True)


def test_after_sign_in_the_user_lands_on_next(client, admin, admin_page):
    location = client.get(f"{admin_page}?q=x").headers["Location"]
    response = client.post(
        location, data={"username": "admin", "password": "correct horse battery"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/test-admin?q=x"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_new_registration_is_a_member_not_an_admin(client, admin_page):
    client.post(
        "/register",
        data={
            "username": "newbie",
            "email": "newbie@example.com",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert client.get(admin_page).status_code == 403


def test_a_moderator_reads_staff_pages_and_is_refused_admin_pages(
    admin_page, staff_page, moderator_client
):
    assert moderator_client.get(staff_page).status_code == 200
    assert moderator_client.get(admin_page).status_code == 403
    assert moderator_client.get(admin_page, headers=HX).status_code == 403


def test_a_member_is_refused_staff_pages(staff_page, member_client):
    assert member_client.get(staff_page).status_code == 403


# ---- the role map ---------------------------------------------------------------------------


def test_every_role_has_its_permissions_and_admins_have_all():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.admin] == set(Permission)
    assert ROLE_PERMISSIONS[Role.member] == set()
    moderator = ROLE_PERMISSIONS[Role.moderator]
    assert Permission.POSTS_MODERATE in moderator
    assert Permission.USERS_CHANGE not in moderator
    assert Permission.SESSIONS_REVOKE_ANY not in moderator


def test_nobody_signed_out_has_a_permission(app, admin, moderator):
    assert not has_permission(AnonymousUserMixin(), Permission.USERS_READ)
    assert not has_permission(None, Permission.USERS_READ)
    assert has_permission(moderator, "users.read")
    assert not can(Permission.USERS_CHANGE, moderator)
    assert can(Permission.USERS_CHANGE, admin)


def test_a_misspelt_permission_fails_loudly(admin):
    with pytest.raises(ValueError, match=r"users\.rd"):
        has_permission(admin, "users.rd")


def test_the_page_to_come_back_to_keeps_its_query_as_typed(client):
    response = client.get("/users?q=X")
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"next": ["/users?q=X"]}
    bare = client.get("/users?")
    assert parse_qs(urlsplit(bare.headers["Location"]).query) == {"next": ["/users"]}
