"""Roles: moderators read the user table and change nothing there; admins set roles.

Every refusal is on the server (403), not only a missing button.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from roster.submission import Refused
from roster.users import rules
from roster.users.models import User
from roster.users.policy import Role
from tests.helpers import HX, fetch, find, find_all, scalar, scalars, sign_in, text_of, texts

NEW_PASSWORD = "a new user's password"


def edit_form(user: User, **changes: str) -> dict[str, str]:
    return {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "is_active": "active",
        "version": str(user.version),
        **changes,
    }


# ---- what a moderator sees and may do on /users ------------------------------------------


def test_a_moderator_reads_the_table_without_any_control_to_change_it(
    moderator_client, member, admin
):
    page = moderator_client.get("/users")
    assert page.status_code == 200
    assert find_all(page, "#create-user-form") == []
    assert find_all(page, "[data-edit]") == []
    assert find_all(page, 'a[href*="confirm=delete"]') == []
    assert find_all(page, '[data-testid="resend-verification"]') == []
    row = find(page, f"#user-{member.id}")
    assert text_of(find(row, '[data-testid="role"]')) == "Member"
    assert text_of(find(page, f'#user-{admin.id} [data-testid="role"]')) == "Admin"
    # The username leads to the details page.
    link = find(row, '[data-testid="user-details-link"]')
    assert link.get("href") == f"/users/{member.id}/details"


def spans(cells) -> int:
    """How many table columns these cells take."""
    return sum(int(cell.get("colspan", "1")) for cell in cells)


def test_the_empty_row_spans_the_columns_each_role_sees(admin_client, moderator_client):
    """Moderators have no checkbox column: a wider empty row would add a column of its own."""
    for client in (admin_client, moderator_client):
        page = client.get("/users?q=nobody-by-this-name")
        headers = find_all(page, "#users-table thead th")
        assert spans(find_all(page, "#users-empty td")) == len(headers)


def test_the_edit_row_has_a_cell_under_each_column(admin_client, member):
    page = admin_client.get(f"/users/{member.id}/edit")
    headers = find_all(page, "#users-table thead th")
    assert spans(find_all(page, f"#user-{member.id} > td")) == len(headers)
    # Each field belongs to the row's form from its own cell.
    form = f"edit-{member.id}"
    for name in ("username", "display_name", "email", "role", "is_active", "password"):
        assert find(page, f'#user-{member.id} td [name="{name}"]').get("form") == form
    assert find(page, f"#{form}").xpath("ancestor::td")[0].get("class") == "row-actions"


def test_a_moderator_sees_the_users_and_audit_links_a_member_does_not(
    moderator_client, app, member
):
    page = moderator_client.get("/about")
    assert texts(page, '[data-testid="nav-users"], [data-testid="nav-audit"]') == [
        "Users",
        "Audit log",
    ]
    member_browser = app.test_client()
    sign_in(member_browser, member.username)
    assert find_all(member_browser.get("/about"), '[data-testid="nav-users"]') == []


def test_a_moderator_reads_one_row_and_the_audit_log(moderator_client, member):
    assert moderator_client.get(f"/users/{member.id}", headers=HX).status_code == 200
    assert moderator_client.get("/audit").status_code == 200


CHANGES = [
    ("POST", "/users"),
    ("GET", "/users/{id}/edit"),
    ("GET", "/users/{id}?confirm=delete"),
    ("PUT", "/users/{id}"),
    ("POST", "/users/{id}"),
    ("DELETE", "/users/{id}"),
    ("POST", "/users/{id}/delete"),
    ("POST", "/users/{id}/restore"),
    ("POST", "/users/{id}/invite"),
    ("POST", "/users/{id}/verify"),
    ("POST", "/users/{id}/sessions/revoke-all"),
    ("POST", "/users/{id}/sessions/1/revoke"),
]


@pytest.mark.parametrize(("method", "url"), CHANGES)
def test_a_moderator_may_not_change_users(app, moderator_client, member, method, url):
    before = fetch(app, User, member.id)
    data = {**edit_form(member, role="admin"), "password": NEW_PASSWORD}
    response = moderator_client.open(url.format(id=member.id), method=method, data=data, headers=HX)
    assert response.status_code == 403
    after = fetch(app, User, member.id)
    assert (after.role, after.version, after.deleted_at) == (before.role, before.version, None)


@pytest.mark.parametrize("url", ["/users", "/users/{id}", "/users/{id}/sessions", "/audit"])
def test_a_member_may_not_read_staff_pages(member_client, member, url):
    assert member_client.get(url.format(id=member.id)).status_code == 403


# ---- admins set roles --------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_an_admin_creates_a_user_with_a_role(app, admin_client, role):
    data = {"username": "newbie", "email": "newbie@example.com", "role": role.value}
    response = admin_client.post("/users", data={**data, "password": NEW_PASSWORD}, headers=HX)
    assert response.status_code == 200
    assert scalar(app, select(User.role).where(User.username == "newbie")) == role


def test_the_forms_offer_the_roles_as_a_select(admin_client, member):
    options = texts(admin_client.get("/users"), '#create-user-form select[name="role"] option')
    assert options == ["Admin", "Moderator", "Member"]
    edit = admin_client.get(f"/users/{member.id}/edit", headers=HX)
    selected = find(edit, 'select[name="role"] option[selected]')
    assert selected.get("value") == "member"


def test_an_unknown_role_is_a_form_error(app, admin_client):
    data = {"username": "newbie", "email": "newbie@example.com", "role": "owner"}
    response = admin_client.post("/users", data=data, headers=HX)
    assert response.status_code == 422
    assert "Not a valid choice" in text_of(find(response, "#help-role"))
    assert scalars(app, select(User).where(User.username == "newbie")) == []


def test_an_admin_makes_a_member_a_moderator_and_back(app, admin_client, member):
    response = admin_client.put(
        f"/users/{member.id}", data=edit_form(member, role="moderator"), headers=HX
    )
    assert response.status_code == 200
    assert text_of(find(response, '[data-testid="role"]')) == "Moderator"
    moderator = fetch(app, User, member.id)
    assert moderator.role == "moderator"
    admin_client.put(f"/users/{member.id}", data=edit_form(moderator, role="member"), headers=HX)
    assert fetch(app, User, member.id).role == "member"


def test_role_wins_over_the_old_is_admin_field(app, admin_client, member):
    data = edit_form(member, role="moderator", is_admin="y")
    admin_client.put(f"/users/{member.id}", data=data, headers=HX)
    assert fetch(app, User, member.id).role == "moderator"


def test_an_admin_cannot_change_their_own_role(app, admin_client, admin):
    response = admin_client.put(
        f"/users/{admin.id}", data=edit_form(admin, role="moderator"), headers=HX
    )
    assert response.status_code == 422
    assert text_of(find(response, f"#help-edit-{admin.id}-role")) == rules.SELF_DEMOTE
    assert fetch(app, User, admin.id).role == "admin"


def test_is_admin_is_the_admin_role_in_python_and_in_sql(app, admin, moderator, member):
    assert (admin.is_admin, moderator.is_admin, member.is_admin) == (True, False, False)
    assert scalars(app, select(User.username).where(User.is_admin)) == ["admin"]


def test_a_moderator_is_not_an_admin_for_the_last_admin_rule(app, admin, moderator):
    with app.app_context():
        from roster.extensions import db

        db.session.execute(update(User).where(User.id == admin.id).values(role=Role.moderator))
        with pytest.raises(Refused) as refusal:
            rules.keep_an_active_admin()
        assert refusal.value.problems == {None: rules.LAST_ADMIN}
    assert fetch(app, User, admin.id).role == "admin"


def test_the_table_sorts_by_role(admin_client, admin, moderator, member):
    response = admin_client.get("/users?sort=role", headers=HX)
    assert texts(response, '[data-testid="user-row"] [data-testid="role"]') == [
        "Admin",
        "Member",
        "Moderator",
    ]
