"""The account flows write their audit entries: a password reset and session revocations."""

from __future__ import annotations

from sqlalchemy import select

from roster.audit.models import AuditEntry
from roster.sessions.models import UserSession
from tests.helpers import scalars, sign_in
from tests.test_password_reset import ask_for_reset, choose, reset_path


def entries(app, action: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return scalars(app, query)


def newest_session_id(app, user_id: int) -> int:
    query = select(UserSession.id).where(UserSession.user_id == user_id)
    return max(scalars(app, query))


def test_a_password_reset_is_recorded_without_the_token_or_password(app, client, member, mailbox):
    ask_for_reset(client, "member")
    path = reset_path(mailbox, "member@example.com")
    choose(client, path)
    [entry] = entries(app, "password.reset")
    assert (entry.actor_id, entry.target_id) == (member.id, member.id)
    assert path.rsplit("/", 1)[1] not in str(entry.changes)
    assert "password_hash" not in entry.changes or entry.changes["password_hash"] == [
        "[hidden]",
        "[hidden]",
    ]


def test_revoking_a_session_is_recorded(app, member_client, member):
    sign_in(app.test_client(), "member")
    other = newest_session_id(app, member.id)
    assert member_client.post(f"/account/sessions/{other}/revoke").status_code == 303
    [entry] = entries(app, "session.revoke")
    assert (entry.actor_id, entry.target_id) == (member.id, member.id)
    assert entry.changes == {"sessions": [[other], "signed out"]}


def test_revoking_the_others_is_one_entry(app, member_client, member):
    for _ in range(2):
        sign_in(app.test_client(), "member")
    member_client.post("/account/sessions/revoke-others")
    [entry] = entries(app, "session.revoke")
    assert len(entry.changes["sessions"][0]) == 2
    member_client.post("/account/sessions/revoke-others")
    assert len(entries(app, "session.revoke")) == 1, "nothing ended, nothing recorded"


def test_an_admin_revoking_is_recorded_with_the_admin_as_actor(app, admin_client, admin, member):
    sign_in(app.test_client(), "member")
    admin_client.post(f"/users/{member.id}/sessions/revoke-all")
    [entry] = entries(app, "session.revoke")
    assert (entry.actor_id, entry.target_id) == (admin.id, member.id)
