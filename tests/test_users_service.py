"""The account services on their own: actor rules, clashes and stale versions, without HTTP."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select, update

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.submission import Refused, form_status, submit
from roster.users import rules
from roster.users.forms import UserEditForm
from roster.users.models import User
from roster.users.policy import Role
from roster.users.service import (
    STALE,
    TAKEN_MESSAGES,
    DuplicateUserError,
    NewUser,
    StaleVersionError,
    UserChange,
    create_user,
    delete_user,
    hash_method,
    restore_user,
    update_user,
)

PASSWORD = "a long enough password"


@pytest.fixture
def in_app(app):
    """Services run inside an app context, as in a request: one for the whole test body."""
    with app.app_context():
        yield


def get(user: User) -> User:
    """The user as this context's session has it (fixtures load them in contexts of their own)."""
    return db.session.get(User, user.id)


def change_of(user: User, **changes) -> UserChange:
    fields = {"username": user.username, "email": user.email, "role": user.role}
    return UserChange(**{**fields, **changes})


def stored(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_create_user_strips_and_hashes(admin, in_app):
    user = create_user(get(admin), NewUser(" neo ", " neo@example.com ", PASSWORD, " The One "))
    assert (user.username, user.email, user.display_name) == ("neo", "neo@example.com", "The One")
    assert user.check_password(PASSWORD)
    assert not stored(user.id).is_admin


def test_create_user_names_every_taken_field_at_once(member, in_app):
    with pytest.raises(DuplicateUserError) as clash:
        create_user(None, NewUser("MEMBER", "Member@Example.com", PASSWORD))
    assert clash.value.problems == TAKEN_MESSAGES
    assert clash.value.field == "username"


def test_a_clash_only_the_unique_index_sees_is_a_duplicate_error(member, monkeypatch, in_app):
    """Two requests racing past the check: the database has the last word, and says which."""
    monkeypatch.setattr("roster.users.service.is_taken", lambda *args, **kwargs: False)
    with pytest.raises(DuplicateUserError) as clash:
        create_user(None, NewUser("fresh", "MEMBER@example.com", PASSWORD))
    assert clash.value.problems == {"email": TAKEN_MESSAGES["email"]}
    assert db.session.scalar(select(User).where(User.username == "fresh")) is None


def test_update_applies_the_change_and_keeps_what_it_leaves_out(admin, member, in_app):
    admin, member = get(admin), get(member)
    change = change_of(
        member, email="new@example.com", role=Role.admin, password="another password!"
    )
    update_user(admin, member, change, member.version)
    user = stored(member.id)
    assert (user.email, user.is_admin, user.display_name, user.is_active) == (
        "new@example.com",
        True,
        "Mem Ber",
        True,
    )
    assert user.check_password("another password!")
    # Hashed the configured way (the tests' fast method), not Werkzeug's default.
    assert user.password_hash.startswith(hash_method() + "$")


def test_update_reports_clashes_and_rules_together(admin, make_user, in_app):
    other = make_user("other")
    admin = get(admin)
    change = change_of(
        admin, username=other.username, email=other.email, role=Role.member, is_active=False
    )
    with pytest.raises(Refused) as refusal:
        update_user(admin, admin, change, admin.version)
    assert refusal.value.problems == {
        "username": TAKEN_MESSAGES["username"],
        "email": TAKEN_MESSAGES["email"],
        "role": rules.SELF_DEMOTE,
        "is_active": rules.SELF_DEACTIVATE,
    }
    assert stored(admin.id).is_admin


def test_update_of_an_outdated_version_is_stale(admin, member, in_app):
    admin, member = get(admin), get(member)
    seen = member.version
    update_user(admin, member, change_of(member, display_name="First"), seen)
    with pytest.raises(StaleVersionError) as stale:
        update_user(admin, member, change_of(member, display_name="Second"), seen)
    assert str(stale.value) == STALE
    assert stored(member.id).display_name == "First"


def test_a_save_racing_another_is_stale_not_a_500(admin, member, in_app):
    """The version matched when loaded, but another writer committed before this flush."""
    admin, member = get(admin), get(member)
    db.session.execute(
        update(User).where(User.id == member.id).values(version=User.version + 1),
        execution_options={"synchronize_session": False},
    )
    with pytest.raises(StaleVersionError):
        update_user(admin, member, change_of(member, display_name="Lost"), member.version)
    assert stored(member.id).display_name == "Mem Ber"


def test_delete_and_restore_follow_the_actor_rules(admin, member, in_app):
    admin, member = get(admin), get(member)
    with pytest.raises(Refused) as refusal:
        delete_user(admin, admin)
    assert refusal.value.problems == {None: rules.SELF_DELETE}
    delete_user(admin, member)
    assert stored(member.id).deleted_at is not None
    restore_user(admin, stored(member.id))
    assert stored(member.id).deleted_at is None


def test_submit_puts_a_refusal_on_the_form(app):
    def refuse() -> None:
        raise Refused({"email": "Taken.", None: "Whole form."})

    with app.test_request_context("/"):
        form = UserEditForm(formdata=None)
        assert submit(form, refuse) is None
        assert form.email.errors == ["Taken."]
        assert form.form_errors == ["Whole form."]
        assert submit(form, lambda value: value * 2, 21) == 42


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("POST", 422)])
def test_form_status(app, method, status):
    with app.test_request_context("/", method=method):
        assert form_status(FlaskForm()) == status


def test_each_change_is_audited_as_the_actors(admin, member, in_app):
    admin, member = get(admin), get(member)
    update_user(admin, member, change_of(member, display_name="Renamed"), member.version)
    delete_user(admin, stored(member.id))
    restore_user(admin, stored(member.id))
    entries = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_id)
        .where(AuditEntry.target_id == member.id, AuditEntry.action != "user.create")
        .order_by(AuditEntry.id)
    ).all()
    assert entries == [
        ("user.update", admin.id),
        ("user.delete", admin.id),
        ("user.restore", admin.id),
    ]


def test_editing_someone_who_is_no_admin_never_asks_for_an_admin(make_user, in_app):
    """The active-admin guard runs only when the change takes an admin away: a site whose
    admins are all inactive (say, restored from a backup) can still edit its moderators."""
    moderator = get(make_user("mod", role=Role.moderator))
    db.session.execute(update(User).where(User.role == Role.admin.value).values(is_active=False))
    db.session.commit()
    member = get(make_user("plain"))
    update_user(moderator, member, change_of(member, display_name="Still editable"), member.version)
    assert stored(member.id).display_name == "Still editable"
