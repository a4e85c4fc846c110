"""The audit log is written with each change, in its transaction, and never holds a secret."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roster.audit.models import AuditEntry
from roster.audit.service import REDACTED, changes_of, record, record_changes, scrub
from roster.extensions import db
from roster.users.models import User, utcnow
from tests.helpers import HX, PASSWORD, change, scalar, scalars, sign_in

NEW_PASSWORD = "a brand new password"


def entries(app, action: str | None = None) -> list[AuditEntry]:
    """The entries the database holds now, oldest first (read in a context of their own)."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return scalars(app, query)


def only(app, action: str) -> AuditEntry:
    found = entries(app, action)
    assert len(found) == 1, [(e.action, e.target_name) for e in found]
    return found[0]


def edit_form(user: User, **changes: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "active",
        "version": str(user.version),
    }
    return {**data, **changes}


# ---- record: one entry per call, in the caller's transaction ------------------------------


def test_record_adds_to_the_session_and_only_the_callers_commit_writes_it(app, member):
    with app.app_context():
        user = db.session.get(User, member.id)
        record("user.update", target=user, changes={"bio": ("old", "new")})
        db.session.rollback()
        assert entries(app, "user.update") == []
        record("user.update", target=user, changes={"bio": ("old", "new")})
        db.session.commit()
    entry = only(app, "user.update")
    assert entry.target_id == member.id
    assert entry.target_name == "member"
    assert entry.actor_id is None  # no request: the command line or a job
    assert entry.address is None
    assert entry.changes == {"bio": ["old", "new"]}


def test_a_user_created_in_the_same_transaction_gets_its_id_at_flush(app):
    with app.app_context():
        user = User(username="fresh", email="fresh@example.com", password_hash="x")
        db.session.add(user)
        entry = record("user.create", target=user)
        assert user.id is None
        db.session.commit()
        assert entry.target_id == user.id is not None


def test_unknown_actions_are_refused(app):
    with app.app_context(), pytest.raises(ValueError, match=r"roster\.audit\.actions"):
        record("user.teleport")


def test_changes_of_reads_unsaved_changes_old_to_new(app, member):
    with app.app_context():
        user = db.session.get(User, member.id)
        user.display_name = "Renamed"
        user.email = user.email  # set to the same value: not a change
        user.role = "moderator"
        assert changes_of(user) == {
            "display_name": ("Mem Ber", "Renamed"),
            "role": ("member", "moderator"),
        }
        db.session.commit()
        assert changes_of(user) == {}
        assert record_changes("user.update", user) is None


def test_changes_of_reads_old_values_that_a_commit_expired_from_the_database(app, member):
    with app.app_context():
        user = db.session.get(User, member.id)
        user.bio = "Before"
        db.session.commit()  # expires every attribute: the old bio is no longer in memory
        user.bio = "After"
        assert changes_of(user) == {"bio": ("Before", "After")}


@pytest.mark.parametrize(
    "field",
    [
        "password",
        "password_hash",
        "session_token",
        "reset_token",
        "totp_secret",
        "recovery_codes",
        "api_key_hash",
        "csrf_token",
    ],
)
def test_secret_fields_are_masked_by_name(field):
    assert scrub({field: ("s3cret-old", "s3cret-new")}) == {field: [REDACTED, REDACTED]}


def test_hashes_and_nested_secrets_are_masked_wherever_they_are():
    hashed = "scrypt:32768:8:1$abc$def"
    scrubbed = scrub(
        {
            "note": (None, hashed),
            "settings": ({"theme": "dark"}, {"theme": "light", "token": "abc", "pbkdf": "x"}),
            "codes": (None, ["pbkdf2:sha256:1$salt$hash", "ok"]),
        }
    )
    assert scrubbed == {
        "note": [None, REDACTED],
        "settings": [{"theme": "dark"}, {"theme": "light", "token": REDACTED, "pbkdf": "x"}],
        "codes": [None, [REDACTED, "ok"]],
    }


def test_values_are_stored_as_json(app, member):
    moment = utcnow()
    with app.app_context():
        user = db.session.get(User, member.id)
        record("user.delete", target=user, changes={"deleted_at": (None, moment)})
        db.session.commit()
    assert only(app, "user.delete").changes == {"deleted_at": [None, moment.isoformat()]}


# ---- each wired action writes exactly one entry --------------------------------------------


def test_sign_in_is_recorded_with_actor_target_and_address(app, client, member):
    sign_in(client, "MEMBER")
    entry = only(app, "auth.sign_in")
    assert (entry.actor_id, entry.actor_name) == (member.id, "member")
    assert (entry.target_id, entry.target_name) == (member.id, "member")
    assert entry.address == "127.0.0.1"
    assert entry.changes == {}


def test_a_failed_sign_in_names_the_account_tried_but_no_actor(app, client, member):
    response = client.post(
        "/login",
        data={"username": "member@example.com", "password": "wrong"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert response.status_code == 422
    entry = only(app, "auth.sign_in_failed")
    assert (entry.actor_id, entry.actor_name) == (None, None)
    assert (entry.target_id, entry.target_name) == (member.id, "member")
    assert entry.address == "198.51.100.9"
    assert "wrong" not in json.dumps(entry.changes)


def test_a_failed_sign_in_for_nobody_has_no_target(app, client):
    assert client.post("/login", data={"username": "ghost", "password": "x"}).status_code == 422
    entry = only(app, "auth.sign_in_failed")
    assert (entry.target_id, entry.target_name) == (None, None)


def test_an_incomplete_sign_in_form_records_nothing(app, client):
    assert client.post("/login", data={"username": "", "password": ""}).status_code == 422
    assert entries(app, "auth.sign_in_failed") == []


def test_sign_out_is_recorded(app, member_client, member):
    assert member_client.post("/logout").status_code == 303
    entry = only(app, "auth.sign_out")
    assert (entry.actor_id, entry.target_id) == (member.id, member.id)


def test_own_password_change_is_recorded_without_the_password(app, member_client, member):
    response = member_client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    entry = only(app, "password.change")
    assert (entry.actor_id, entry.target_id) == (member.id, member.id)
    assert entry.changes == {}


def test_a_wrong_current_password_records_no_change(app, member_client):
    response = member_client.post(
        "/account/password",
        data={"current_password": "wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert entries(app, "password.change") == []


def test_registration_records_the_new_user_created_by_nobody(app, client):
    response = client.post(
        "/register",
        data={
            "username": "newbie",
            "email": "newbie@example.com",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    entry = only(app, "user.create")
    assert entry.actor_id is None
    assert entry.target_name == "newbie"
    assert entry.changes["email"] == [None, "newbie@example.com"]
    assert entry.changes["password_hash"] == [None, REDACTED]


def test_admin_create_is_recorded(app, admin_client, admin):
    before = len(entries(app, "user.create"))
    response = admin_client.post(
        "/users",
        data={"username": "grace", "email": "grace@example.com", "password": NEW_PASSWORD},
        headers=HX,
    )
    assert response.status_code == 200
    created = entries(app, "user.create")
    assert len(created) == before + 1
    entry = created[-1]
    assert (entry.actor_id, entry.actor_name) == (admin.id, "admin")
    assert entry.target_id == scalar(app, select(User.id).where(User.username == "grace"))
    assert entry.changes["username"] == [None, "grace"]
    assert entry.changes["role"] == [None, "member"]


def test_admin_edit_records_each_changed_field_old_to_new(app, admin_client, admin, member):
    response = admin_client.put(
        f"/users/{member.id}",
        data=edit_form(member, email="new@example.com", display_name="New Name", is_admin="y"),
        headers=HX,
    )
    assert response.status_code == 200
    entry = only(app, "user.update")
    assert (entry.actor_id, entry.target_id, entry.target_name) == (admin.id, member.id, "member")
    assert entry.changes == {
        "email": ["member@example.com", "new@example.com"],
        "display_name": ["Mem Ber", "New Name"],
        "role": ["member", "admin"],
    }


def test_a_new_password_set_by_an_admin_is_recorded_as_hidden(app, admin_client, member):
    old_hash = member.password_hash
    response = admin_client.post(
        f"/users/{member.id}", data=edit_form(member, password=NEW_PASSWORD)
    )
    assert response.status_code == 303
    changes = only(app, "user.update").changes
    assert changes == {"password_hash": [REDACTED, REDACTED]}
    now = scalar(app, select(User).where(User.id == member.id))
    stored = json.dumps([e.changes for e in entries(app)])
    for secret in (NEW_PASSWORD, old_hash, now.password_hash):
        assert secret not in stored


def test_a_save_that_changes_nothing_records_nothing(app, admin_client, member):
    response = admin_client.put(f"/users/{member.id}", data=edit_form(member), headers=HX)
    assert response.status_code == 200
    assert entries(app, "user.update") == []


def test_a_refused_edit_records_nothing(app, admin_client, admin):
    response = admin_client.put(
        f"/users/{admin.id}", data=edit_form(admin, is_active="inactive"), headers=HX
    )
    assert response.status_code == 422
    assert entries(app, "user.update") == []


def test_a_failing_commit_writes_no_entry(app, admin_client, member, make_user, monkeypatch):
    """The unique index refuses the change at commit: the entry goes down with it."""
    other = make_user("other")
    # As if the other account took the address between the check and the commit.
    monkeypatch.setattr("roster.users.service.is_taken", lambda *a, **k: False)
    response = admin_client.put(
        f"/users/{member.id}", data=edit_form(member, email=other.email.upper()), headers=HX
    )
    assert response.status_code == 422
    assert "An account with that email already exists." in response.get_data(as_text=True)
    assert entries(app, "user.update") == []


def test_delete_and_restore_are_recorded(app, admin_client, admin, member):
    assert admin_client.delete(f"/users/{member.id}", headers=HX).status_code == 200
    deleted = only(app, "user.delete")
    assert (deleted.actor_id, deleted.target_id) == (admin.id, member.id)
    assert deleted.changes["deleted_at"][0] is None
    assert deleted.changes["deleted_at"][1]
    assert admin_client.post(f"/users/{member.id}/restore", headers=HX).status_code == 200
    restored = only(app, "user.restore")
    assert restored.changes["deleted_at"] == [deleted.changes["deleted_at"][1], None]
    # Restoring what is not deleted changes nothing and records nothing.
    assert admin_client.post(f"/users/{member.id}/restore", headers=HX).status_code == 200
    assert len(entries(app, "user.restore")) == 1


def test_purge_records_each_purged_user_and_the_entries_outlive_them(app, runner, make_user):
    old, other_old, recent = make_user("old"), make_user("old2"), make_user("recent")
    for user, days in ((old, 40), (other_old, 31), (recent, 2)):
        change(app, User, user.id, deleted_at=utcnow() - timedelta(days=days))
    ids = {old.id: "old", other_old.id: "old2"}
    result = runner.invoke(args=["purge-deleted", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    purged = entries(app, "user.purge")
    assert {e.target_id: e.target_name for e in purged} == ids
    assert all(e.actor_id is None and e.changes == {} for e in purged)
    # The users are gone; every entry about them stays, names included.
    assert scalar(app, select(func.count()).where(User.id.in_(ids))) == 0
    created = [e for e in entries(app, "user.create") if e.target_id in ids]
    assert {e.target_name for e in created} == {"old", "old2"}


# ---- refused requests change nothing and record nothing ------------------------------------


def test_csrf_less_changes_are_refused_and_record_nothing(app, admin_client, member):
    count = len(entries(app))
    refused = [
        admin_client.put(f"/users/{member.id}", data=edit_form(member, bio="x"), csrf=False),
        admin_client.delete(f"/users/{member.id}", csrf=False),
        admin_client.post("/logout", csrf=False),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert len(entries(app)) == count


def test_no_secret_reaches_the_log_after_every_wired_action(app, admin_client, member):
    admin_client.put(
        f"/users/{member.id}", data=edit_form(member, password=NEW_PASSWORD), headers=HX
    )
    admin_client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    admin_client.post("/login", data={"username": "member", "password": PASSWORD})
    admin_client.post("/logout")
    secrets = {NEW_PASSWORD, PASSWORD}
    for user in scalars(app, select(User)):
        secrets.add(user.password_hash)
    stored = json.dumps([[e.changes, e.actor_name, e.target_name] for e in entries(app)])
    assert {"user.update", "password.change", "auth.sign_out"} <= {e.action for e in entries(app)}
    assert [s for s in secrets if s in stored] == []
