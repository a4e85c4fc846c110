"""/audit for admins: filters, keyset paging, access, no way to change an entry; purge-audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from roster.audit import cli as audit_cli
from roster.audit.models import AuditEntry
from roster.audit.queries import AuditView, filtered_entries
from roster.extensions import db
from roster.pagination import encode
from roster.users.models import User, utcnow
from tests.helpers import HX, dialect, explain, fetch, save, scalar, scalars

ENTRY_IDS = re.compile(r'<tr id="audit-(\d+)" data-testid="audit-entry">')
DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def shown(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(n) for n in ENTRY_IDS.findall(response.get_data(as_text=True))]


def add(app, action: str, *, at: datetime = DAY, actor=None, target=None, **extra) -> int:
    entry = AuditEntry(
        created_at=at,
        action=action,
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else None,
        target_id=target.id if target else None,
        target_name=target.username if target else None,
        changes=extra.pop("changes", {}),
        address=extra.pop("address", "192.0.2.1"),
    )
    return save(app, entry).id


def clear_log(app) -> None:
    with app.app_context():
        db.session.execute(delete(AuditEntry))
        db.session.commit()


@pytest.fixture
def log(app, admin_client, admin, member, make_user):
    """A known log (what signing in and creating users wrote is cleared first)."""
    other = make_user("other")
    clear_log(app)
    return {
        "edit": add(app, "user.update", actor=admin, target=member, at=DAY - timedelta(days=2)),
        "delete": add(app, "user.delete", actor=admin, target=other, at=DAY - timedelta(days=1)),
        "sign_in": add(app, "auth.sign_in", actor=member, target=member, at=DAY),
        "failed": add(app, "auth.sign_in_failed", target=member, at=DAY + timedelta(days=1)),
        "purge": add(app, "user.purge", target=other, address=None, at=DAY + timedelta(days=2)),
    }


def count_entries(app) -> int:
    return scalar(app, select(func.count()).select_from(AuditEntry))


# ---- access ---------------------------------------------------------------------------------


def test_members_are_refused(member_client):
    assert member_client.get("/audit").status_code == 403
    assert member_client.get("/audit", headers=HX).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/audit?action=user.update")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/audit")
    htmx = client.get("/audit", headers=HX)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("csrf", [True, False])
def test_no_route_changes_an_entry(app, admin_client, log, method, csrf):
    before = count_entries(app)
    for path in ("/audit", f"/audit/{log['edit']}", f"/audit/{log['edit']}/delete"):
        response = admin_client.open(path, method=method, csrf=csrf)
        assert response.status_code in (404, 405), (path, response.status_code)
    assert count_entries(app) == before


# ---- full page and fragment -----------------------------------------------------------------


def test_full_page_and_fragment_newest_first(admin_client, log):
    page = admin_client.get("/audit")
    html = page.get_data(as_text=True)
    assert "<html" in html
    assert 'id="audit-filters"' in html
    assert "HX-Request" in page.headers["Vary"]
    assert shown(page) == [log[k] for k in ("purge", "failed", "sign_in", "delete", "edit")]
    fragment = admin_client.get("/audit?action=user.update&actor=&user=", headers=HX)
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="audit-results"')
    assert "<html" not in html
    assert 'id="audit-filters"' not in html
    # The address bar gets the filters that apply, without the empty ones.
    assert fragment.headers["HX-Push-Url"] == "/audit?action=user.update"
    assert shown(fragment) == [log["edit"]]


def test_entries_show_who_what_whom_changes_and_address(app, admin_client, admin, member):
    add(
        app,
        "user.update",
        actor=admin,
        target=member,
        changes={"display_name": ["<b>Old</b>", "New"], "is_admin": [False, True]},
    )
    html = admin_client.get("/audit?action=user.update").get_data(as_text=True)
    assert f'href="/audit?actor={admin.id}"' in html
    assert f'href="/audit?user={member.id}"' in html
    assert "&lt;b&gt;Old&lt;/b&gt;" in html
    assert "<b>Old</b>" not in html
    assert "<del>no</del> → <ins>yes</ins>" in html
    assert "192.0.2.1" in html
    assert "Updated user" in html


def test_system_and_anonymous_actors_are_told_apart(admin_client, log):
    html = admin_client.get("/audit?action=user.purge").get_data(as_text=True)
    assert ">system</span>" in html
    html = admin_client.get("/audit?action=auth.sign_in_failed").get_data(as_text=True)
    assert ">anonymous</span>" in html


# ---- filters --------------------------------------------------------------------------------


def test_filter_by_actor_and_user_by_name_or_id(admin_client, admin, member, log):
    by_admin = [log["delete"], log["edit"]]
    assert shown(admin_client.get("/audit?actor=ADMIN")) == by_admin
    assert shown(admin_client.get(f"/audit?actor={admin.id}")) == by_admin
    about_member = [log["failed"], log["sign_in"], log["edit"]]
    assert shown(admin_client.get("/audit?user=member")) == about_member
    assert shown(admin_client.get(f"/audit?user={member.id}")) == about_member
    assert shown(admin_client.get("/audit?user=nobody")) == []


def test_filters_combine(admin_client, log):
    assert shown(admin_client.get("/audit?actor=admin&user=member")) == [log["edit"]]
    assert shown(admin_client.get("/audit?user=member&action=auth.sign_in")) == [log["sign_in"]]
    assert shown(admin_client.get("/audit?action=user.purge&user=other")) == [log["purge"]]
    html = admin_client.get("/audit?actor=admin&action=auth.sign_in").get_data(as_text=True)
    assert 'data-testid="audit-empty"' in html
    assert "No entries match these filters" in html


def test_filter_by_dates_from_after_up_to_before(admin_client, log):
    assert shown(admin_client.get("/audit?after=2026-11-20")) == [
        log["purge"],
        log["failed"],
        log["sign_in"],
    ]
    assert shown(admin_client.get("/audit?before=2026-11-20")) == [log["delete"], log["edit"]]
    assert shown(admin_client.get("/audit?after=2026-11-19&before=2026-11-21")) == [
        log["sign_in"],
        log["delete"],
    ]
    assert shown(admin_client.get("/audit?after=2026-11-21&before=2026-11-21")) == []


def test_a_purged_users_entries_are_still_found_by_id(app, admin_client, log):
    with app.app_context():
        other = db.session.scalar(select(User).where(User.username == "other"))
        other_id = other.id
        db.session.delete(other)
        db.session.commit()
    assert shown(admin_client.get(f"/audit?user={other_id}")) == [log["purge"], log["delete"]]


@pytest.mark.parametrize(
    "query",
    [
        "actor=<script>",
        "actor=" + "9" * 40,
        "action=user.teleport",
        "action[]=x",
        "after=2026-13-45",
        "after=20261120",
        "before=9999-99-99",
        "before=0000-01-01",
        "after=%F0%9F%98%80",
    ],
)
def test_bad_filter_values_are_ignored_not_errors(admin_client, log, query):
    response = admin_client.get(f"/audit?{query}", headers=HX)
    assert len(shown(response)) == len(log)
    assert response.headers["HX-Push-Url"] == "/audit"


def test_digits_are_an_id_unless_too_large_for_one(admin_client, member, log):
    """Beyond 32 bits, digits can only be a username (one that matches nobody here)."""
    assert len(shown(admin_client.get(f"/audit?user={member.id:010d}"))) == 3
    response = admin_client.get("/audit?user=2147483648", headers=HX)
    assert shown(response) == []
    assert response.headers["HX-Push-Url"] == "/audit?user=2147483648"


@pytest.mark.parametrize("cursor", ["x", "1-", "-1", "99999999999999999999-1", "1-2-3"])
def test_a_malformed_page_cursor_is_a_bad_request(admin_client, log, cursor):
    assert admin_client.get(f"/audit?older={cursor}").status_code == 400


def test_the_form_shows_the_applied_filters(admin_client, log):
    html = admin_client.get("/audit?actor=admin&action=user.delete&after=2026-11-01").get_data(
        as_text=True
    )
    assert re.search(r'name="actor"\s+type="text"\s+value="admin"', html)
    assert '<option value="user.delete" selected>' in html
    assert re.search(r'name="after"\s+type="date"\s+value="2026-11-01"', html)


# ---- keyset paging --------------------------------------------------------------------------


def test_paging_visits_every_entry_once_newest_first(app, admin_client, admin, member):
    clear_log(app)
    app.config["AUDIT_PER_PAGE"] = 4
    # Ties on the time are common (one bulk action): the id breaks them.
    ids = [
        add(app, "user.update", actor=admin, target=member, at=DAY - timedelta(seconds=n // 3))
        for n in range(11)
    ]
    newest_first = (AuditEntry.created_at.desc(), AuditEntry.id.desc())
    expected = scalars(app, select(AuditEntry.id).order_by(*newest_first))
    assert sorted(expected) == sorted(ids)
    seen: list[int] = []
    url = "/audit?actor=admin"
    pages = 0
    while url:
        response = admin_client.get(url, headers=HX)
        seen += shown(response)
        pages += 1
        match = re.search(r'id="audit-older"[^>]*href="([^"]+)"', response.get_data(as_text=True))
        url = match.group(1).replace("&amp;", "&") if match else None
        if url:
            assert "actor=admin" in url
    assert seen == expected
    assert pages == 3
    # A later page links back to the newest entries, filters kept.
    later = admin_client.get(f"/audit?actor=admin&older={seen_cursor(app, seen[3])}")
    assert 'href="/audit?actor=admin"' in later.get_data(as_text=True)
    assert shown(later) == expected[4:8]


def seen_cursor(app, entry_id: int) -> str:
    entry = fetch(app, AuditEntry, entry_id)
    return encode((entry.created_at, entry.id))


# ---- indexes and query count ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "ix_audit_entries_created_at_id"),
        ({"actor": "admin"}, "ix_audit_entries_actor_id"),
        ({"actor": "7"}, "ix_audit_entries_actor_id"),
        ({"user": "member"}, "ix_audit_entries_target_id"),
        ({"action": "user.update"}, "ix_audit_entries_action"),
        ({"after": "2026-11-01", "before": "2026-12-01"}, "ix_audit_entries_created_at_id"),
    ],
)
def test_each_filter_walks_its_index_in_page_order(app, filters, index):
    query = (
        filtered_entries(AuditView.from_args(filters))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(51)
    )
    plan = explain(app, query)
    if dialect(app) == "sqlite":
        assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
        assert "SCAN audit_entries" not in plan or f"USING INDEX {index}" in plan
    else:
        assert "Seq Scan" not in plan
        assert "Sort" not in plan
    assert index in plan, plan


def test_purge_audit_deletes_old_entries_in_batches(app, runner, monkeypatch, member):
    clear_log(app)
    monkeypatch.setattr(audit_cli, "BATCH", 2)
    old, kept = [], []
    for days in (91, 95, 400, 0, 89):
        entry_id = add(app, "auth.sign_in", target=member, at=utcnow() - timedelta(days=days))
        (old if days > 90 else kept).append(entry_id)
    result = runner.invoke(args=["purge-audit", "--older-than-days", "90"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Deleted 3 audit entries."
    assert sorted(scalars(app, select(AuditEntry.id))) == sorted(kept)
    assert all(fetch(app, AuditEntry, i) is None for i in old)
    again = runner.invoke(args=["purge-audit", "--older-than-days", "90"])
    assert again.output.strip() == "Deleted 0 audit entries."
    assert runner.invoke(args=["purge-audit"]).exit_code == 2
    assert runner.invoke(args=["purge-audit", "--older-than-days", "-1"]).exit_code == 2
