"""Two people changing one user at once: the later save is told (409) and chooses; never a 500,
never a silent lost update. Races are made deterministic with `meanwhile` (another request
commits between this one's read and its write); test_races.py fires them for real.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from roster.audit.models import AuditEntry
from roster.users.models import User, utcnow
from roster.users.service import CHANGED_MEANWHILE, DELETED_MEANWHILE
from tests.helpers import (
    HX,
    change,
    edit_data,
    fetch,
    find,
    find_all,
    is_full_page,
    meanwhile,
    profile_data,
    scalar,
    sign_in,
    text_of,
)

PAGE_OR_FRAGMENT = pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])


def differences(response) -> dict[str, tuple[str, str]]:
    """The conflict's table: field name -> (theirs, mine)."""
    return {
        row.get("data-field"): (
            text_of(find(row, '[data-testid="theirs"]')),
            text_of(find(row, '[data-testid="mine"]')),
        )
        for row in find_all(response, '[data-testid="conflict-field"]')
    }


def form_values(response, form_css: str) -> dict[str, str]:
    """What the form would send (inputs and text areas; a browser drops a text area's first
    newline, which WTForms writes)."""
    found = find(response, form_css)
    values = {field.get("name"): field.get("value", "") for field in found.cssselect("input")}
    for area in found.cssselect("textarea"):
        values[area.get("name")] = (area.text or "").removeprefix("\n")
    return {k: v for k, v in values.items() if k and k != "csrf_token"}


def audited(app, user_id: int, action: str) -> int:
    where = (AuditEntry.target_id == user_id, AuditEntry.action == action)
    return scalar(app, select(func.count()).select_from(AuditEntry).where(*where))


# ---- the profile: two tabs, or the owner and an admin --------------------------------------


@PAGE_OR_FRAGMENT
def test_a_profile_saved_from_two_tabs_is_a_conflict_with_both_values(
    app, member_client, member, headers
):
    first = profile_data(member, bio="Saved in the first tab")
    second = profile_data(member, bio="Typed in the second tab", display_name="Second")
    assert member_client.put("/user/member", data=first, headers=HX).status_code == 200
    response = member_client.post("/user/member", data=second, headers=headers)
    assert response.status_code == 409
    assert is_full_page(response) == (headers == {})
    assert differences(response) == {
        "display_name": ("Mem Ber", "Second"),
        "bio": ("Saved in the first tab", "Typed in the second tab"),
    }
    assert find_all(response, 'form#profile-form [data-testid="keep-mine"][type="submit"]')
    take_theirs = find(response, '[data-testid="take-theirs"]')
    assert take_theirs.get("href") == take_theirs.get("hx-get") == "/user/member/edit"
    assert fetch(app, User, member.id).bio == "Saved in the first tab"


def test_keep_mine_saves_the_typed_values_over_the_newer_version(app, member_client, member):
    member_client.put("/user/member", data=profile_data(member, bio="First"), headers=HX)
    conflict = member_client.put("/user/member", data=profile_data(member, bio="Mine"), headers=HX)
    keep_mine = form_values(conflict, "#profile-form")
    assert keep_mine["bio"] == "Mine"
    assert keep_mine["version"] == str(fetch(app, User, member.id).version)
    response = member_client.put("/user/member", data=keep_mine, headers=HX)
    assert response.status_code == 200
    assert fetch(app, User, member.id).bio == "Mine"


def test_take_theirs_loads_the_saved_values(member_client, member):
    member_client.put("/user/member", data=profile_data(member, bio="Theirs"), headers=HX)
    conflict = member_client.put("/user/member", data=profile_data(member, bio="Mine"), headers=HX)
    url = find(conflict, '[data-testid="take-theirs"]').get("href")
    assert form_values(member_client.get(url, headers=HX), "#profile-form")["bio"] == "Theirs"


def test_a_profile_save_racing_another_at_the_write_is_a_conflict(app, member_client, member):
    """Both saves passed the version check; the other one committed first."""
    with meanwhile(app, member.id, bio="The other tab") as raced:
        response = member_client.put(
            "/user/member", data=profile_data(member, bio="Mine"), headers=HX
        )
    assert raced
    assert response.status_code == 409
    assert differences(response) == {"bio": ("The other tab", "Mine")}
    assert fetch(app, User, member.id).bio == "The other tab"


def test_a_profile_save_during_an_admin_edit(app, client, member, make_user):
    """The admin opened the row, the owner saved the profile, then the admin saved."""
    make_user("admin", is_admin=True)
    sign_in(client, "admin")
    loaded = fetch(app, User, member.id)
    owner = app.test_client()
    sign_in(owner, "member")
    saved = owner.put("/user/member", data=profile_data(loaded, display_name="Owner's"), headers=HX)
    assert saved.status_code == 200
    response = client.put(
        f"/users/{member.id}", data=edit_data(loaded, display_name="Admin's"), headers=HX
    )
    assert response.status_code == 409
    assert differences(response) == {"display_name": ("Owner's", "Admin's")}
    assert fetch(app, User, member.id).display_name == "Owner's"
    # And the other way round: the admin saved first.
    loaded = fetch(app, User, member.id)
    assert (
        client.put(f"/users/{member.id}", data=edit_data(loaded, display_name="A")).status_code
        == 303
    )
    response = owner.put("/user/member", data=profile_data(loaded, display_name="O"), headers=HX)
    assert response.status_code == 409
    assert differences(response) == {"display_name": ("A", "O")}


# ---- the admin's edit of a row -------------------------------------------------------------


@PAGE_OR_FRAGMENT
def test_an_admin_edit_over_a_newer_version_shows_both_sides(app, admin_client, member, headers):
    loaded = fetch(app, User, member.id)
    change(app, User, member.id, display_name="Theirs", is_active=False)
    data = edit_data(loaded, display_name="Mine", password="a new long password")
    response = admin_client.post(f"/users/{member.id}", data=data, headers=headers)
    assert response.status_code == 409
    assert is_full_page(response) == (headers == {})
    assert differences(response) == {
        "display_name": ("Theirs", "Mine"),
        "is_active": ("Inactive", "Active"),
    }
    row = find(response, f"#user-{member.id}")
    assert row.cssselect('[data-testid="keep-mine"]')
    assert not row.cssselect('[data-testid="save-user"]')
    take_theirs = find(row, '[data-testid="take-theirs"]')
    assert take_theirs.get("href") == f"/users/{member.id}/edit"
    assert take_theirs.get("hx-target") == f"#user-{member.id}"
    # The password is not sent back: the admin is asked to type it again.
    assert find_all(row, f"#field-edit-{member.id}-password .error")
    user = fetch(app, User, member.id)
    assert (user.display_name, user.is_active, user.check_password("a new long password")) == (
        "Theirs",
        False,
        False,
    )
    keep_mine = edit_data(loaded, display_name="Mine", version=str(user.version))
    assert admin_client.put(f"/users/{member.id}", data=keep_mine, headers=HX).status_code == 200
    assert fetch(app, User, member.id).display_name == "Mine"


def test_an_admin_edit_racing_another_at_the_write_is_a_conflict(app, admin_client, member):
    with meanwhile(app, member.id, display_name="Other admin") as raced:
        response = admin_client.put(
            f"/users/{member.id}", data=edit_data(member, display_name="Mine"), headers=HX
        )
    assert raced
    assert response.status_code == 409
    assert differences(response) == {"display_name": ("Other admin", "Mine")}


# ---- edits, deletes and restores racing each other ----------------------------------------


@PAGE_OR_FRAGMENT
def test_an_edit_racing_a_delete_says_the_user_is_gone(app, admin_client, member, headers):
    with meanwhile(app, member.id, deleted_at=utcnow()) as raced:
        response = admin_client.post(
            f"/users/{member.id}", data=edit_data(member, display_name="Mine"), headers=headers
        )
    assert raced
    assert response.status_code == 409
    message = DELETED_MEANWHILE.format(name="member")
    assert text_of(find(response, '[data-testid="row-error"]')) == message
    assert fetch(app, User, member.id).display_name == "Mem Ber"
    # Saved again (or the delete landed before the edit was sent): the same answer.
    response = admin_client.post(f"/users/{member.id}", data=edit_data(member), headers=headers)
    assert response.status_code == 409
    assert text_of(find(response, '[data-testid="row-error"]')) == message


@PAGE_OR_FRAGMENT
def test_a_delete_racing_an_edit_is_a_conflict(app, admin_client, member, headers):
    """The row changed between the delete's read and its write: look again, then delete."""
    with meanwhile(app, member.id, display_name="Renamed meanwhile") as raced:
        response = admin_client.post(f"/users/{member.id}/delete", headers=headers)
    assert raced
    assert response.status_code == 409
    problem = text_of(find(response, '[data-testid="row-error"]'))
    assert problem == CHANGED_MEANWHILE.format(name="member")
    assert fetch(app, User, member.id).deleted_at is None
    assert audited(app, member.id, "user.delete") == 0


@PAGE_OR_FRAGMENT
def test_a_delete_racing_a_delete_says_the_user_is_gone(app, admin_client, member, headers):
    with meanwhile(app, member.id, deleted_at=utcnow()) as raced:
        response = admin_client.delete(f"/users/{member.id}", headers=headers)
    assert raced
    assert response.status_code == 409
    message = DELETED_MEANWHILE.format(name="member")
    assert text_of(find(response, '[data-testid="row-error"]')) == message
    assert admin_client.delete(f"/users/{member.id}", headers=headers).status_code == 409
    assert audited(app, member.id, "user.delete") == 0


def test_a_restore_racing_a_restore_is_done(app, admin_client, member):
    change(app, User, member.id, deleted_at=utcnow())
    with meanwhile(app, member.id, deleted_at=None) as raced:
        response = admin_client.post(f"/users/{member.id}/restore", headers=HX)
    assert raced
    assert response.status_code == 200
    assert fetch(app, User, member.id).deleted_at is None
    assert audited(app, member.id, "user.restore") == 0  # the other one restored it


@PAGE_OR_FRAGMENT
def test_a_restore_racing_a_restore_and_a_delete_is_a_conflict(app, admin_client, member, headers):
    """Another admin restored and deleted again before this restore wrote: it is news."""
    change(app, User, member.id, deleted_at=utcnow())
    with meanwhile(app, member.id, deleted_at=utcnow()) as raced:
        response = admin_client.post(f"/users/{member.id}/restore", headers=headers)
    assert raced
    assert response.status_code == 409
    assert find_all(response, "#users-results")
    toast = text_of(find(response, '[data-testid="toast"]'))
    assert CHANGED_MEANWHILE.format(name="member") in toast
    assert fetch(app, User, member.id).deleted_at is not None


# ---- the net under every other write -------------------------------------------------------


class Deadlock(Exception):
    """What psycopg raises when PostgreSQL broke a deadlock by aborting this transaction."""

    sqlstate = "40P01"


@pytest.mark.parametrize(
    "error",
    [StaleDataError("row changed"), OperationalError("UPDATE", {}, Deadlock())],
    ids=["stale-row", "deadlock"],
)
@PAGE_OR_FRAGMENT
def test_any_other_race_is_a_409_not_a_500(app, client, error, headers):
    def racing() -> None:
        raise error

    app.add_url_rule("/racing", "racing", racing)
    response = client.get("/racing", headers=headers)
    assert response.status_code == 409
    assert "Someone else changed this at the same moment" in response.get_data(as_text=True)
    assert is_full_page(response) == (headers == {})
