"""The site always keeps an active admin, also when two admins remove each other at once.

The rule lives in one place, `rules.keep_an_active_admin`, checked in the database after the
change is written and before it commits; these tests race it deterministically (`meanwhile`,
and two transactions held open side by side). The gunicorn races are in test_races.py.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.submission import Refused
from roster.users import rules
from roster.users.models import User, utcnow
from roster.users.policy import Role
from roster.users.service import UserChange, delete_user, update_user
from tests.helpers import HX, PASSWORD, change, edit_data, fetch, find, meanwhile, scalar, text_of

# What the other admin does to the one acting, and the same done by the one acting over HTTP.
REMOVALS = {
    "demote": ({"role": Role.member}, {"role": Role.member}),
    "deactivate": ({"is_active": False}, {"is_active": "inactive"}),
    "delete": ({"deleted_at": utcnow()}, None),
}


@pytest.fixture
def boss(make_user):
    """A second admin: either may remove the other, but not both."""
    return make_user("boss", is_admin=True)


def active_admins(app) -> int:
    return scalar(app, select(func.count()).select_from(User).where(User.is_active_admin))


def audited(app, user_id: int) -> int:
    """Entries about the user since it was created."""
    about = (AuditEntry.target_id == user_id, AuditEntry.action != "user.create")
    return scalar(app, select(func.count()).select_from(AuditEntry).where(*about))


@pytest.mark.parametrize("theirs", REMOVALS)
@pytest.mark.parametrize("mine", REMOVALS)
def test_two_admins_removing_each_other_leave_one(app, admin_client, admin, boss, mine, theirs):
    """The admin removes the boss while the boss removes the admin: after the admin's checks
    and before its write. The later writer is refused, with nothing written or audited."""
    other_change, form_change = REMOVALS[mine]
    with meanwhile(app, admin.id, when_writing=boss.id, **REMOVALS[theirs][0]) as raced:
        if form_change is None:
            response = admin_client.delete(f"/users/{boss.id}", headers=HX)
            message = text_of(find(response, '[data-testid="row-error"]'))
        else:
            data = edit_data(boss, **form_change)
            response = admin_client.put(f"/users/{boss.id}", data=data, headers=HX)
            field = next(iter(other_change))
            message = text_of(find(response, f"#field-edit-{boss.id}-{field} .error"))
    assert raced
    assert response.status_code == 422
    assert message == rules.LAST_ADMIN
    assert fetch(app, User, boss.id).is_active_admin
    assert active_admins(app) == 1
    assert audited(app, boss.id) == 0


def test_an_admin_leaving_while_the_other_is_removed_is_refused(
    app, admin_client, admin, boss, monkeypatch
):
    """Deleting one's own account (account/service.py) goes through the same guard: the boss
    is demoted after the admin's request looked, before it deleted anything."""
    from roster.account import service

    end_sessions = service.end_sessions

    def demote_boss_first(*args, **kwargs):
        change(app, User, boss.id, role=Role.member)
        return end_sessions(*args, **kwargs)

    monkeypatch.setattr(service, "end_sessions", demote_boss_first)
    data = {"password": PASSWORD, "posts": "keep"}
    response = admin_client.post("/account/delete", data=data, headers=HX)
    assert response.status_code == 422
    assert rules.LAST_ADMIN in response.get_data(as_text=True)
    assert fetch(app, User, admin.id).is_active_admin
    assert not fetch(app, User, boss.id).is_admin
    deleted = select(func.count()).where(AuditEntry.action == "account.delete")
    assert scalar(app, deleted) == 0


def test_the_guard_refuses_a_bulk_change_that_leaves_no_admin(app, admin, boss):
    """One statement over many users (a bulk action) calls the guard once, and is undone."""
    with app.app_context():
        db.session.execute(update(User).values(is_active=False))
        with pytest.raises(Refused) as refusal:
            rules.keep_an_active_admin()
        assert refusal.value.problems == {None: rules.LAST_ADMIN}
    assert active_admins(app) == 2
    with app.app_context():
        db.session.execute(update(User).where(User.id == boss.id).values(is_active=False))
        rules.keep_an_active_admin()
        db.session.commit()
    assert active_admins(app) == 1


def test_the_guard_runs_alone_while_another_removal_is_open(app, admin, boss):
    """Two transactions remove one admin each; the first has passed the guard but not yet
    committed. The second waits for it (the advisory lock on PostgreSQL, the write lock on
    SQLite) and then sees that no admin would be left."""
    outcome: list[str] = []
    passed, release = threading.Event(), threading.Event()

    def remove(user_id: int, *, hold: bool = False) -> None:
        with app.app_context():
            db.session.execute(update(User).where(User.id == user_id).values(role=Role.member))
            try:
                rules.keep_an_active_admin()
            except Refused:
                outcome.append(f"{user_id} refused")
                return
            if hold:
                passed.set()
                release.wait(10)
            db.session.commit()
            outcome.append(f"{user_id} saved")

    first = threading.Thread(target=remove, args=(boss.id,), kwargs={"hold": True})
    second = threading.Thread(target=remove, args=(admin.id,))
    first.start()
    assert passed.wait(10)
    second.start()
    second.join(0.5)
    waited = second.is_alive()
    release.set()
    first.join(10)
    second.join(10)
    assert waited
    # Either may note its outcome first: the refusal can run the moment the commit lets it go.
    assert sorted(outcome) == sorted([f"{boss.id} saved", f"{admin.id} refused"])
    assert active_admins(app) == 1


def test_an_admin_no_longer_active_cannot_remove_the_last_one(app, admin, boss):
    """Services decide by the database, not by the acting user's view of it."""
    with app.app_context():
        me, other = db.session.get(User, admin.id), db.session.get(User, boss.id)
        other.is_active = False
        db.session.commit()
        change = UserChange(username=me.username, email=me.email, role=Role.member)
        with pytest.raises(Refused) as refusal:
            update_user(other, me, change, me.version)
        assert refusal.value.problems == {"role": rules.LAST_ADMIN}
        change = UserChange(username=me.username, email=me.email, role=Role.admin, is_active=False)
        with pytest.raises(Refused) as refusal:
            update_user(other, db.session.get(User, admin.id), change, me.version)
        assert refusal.value.problems == {"is_active": rules.LAST_ADMIN}
        with pytest.raises(Refused) as refusal:
            delete_user(other, db.session.get(User, admin.id))
        assert refusal.value.problems == {None: rules.LAST_ADMIN}
    assert fetch(app, User, admin.id).is_active_admin
    assert audited(app, admin.id) == 0
