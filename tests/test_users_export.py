"""GET /users/export.csv: what the filters match, streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from roster.audit.models import AuditEntry
from roster.users.export import HEADER, neutralise
from roster.users.models import utcnow
from roster.users.policy import Role
from tests.helpers import HX, find, scalar


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_export_is_a_stream_with_a_header_and_a_line_per_user(app, admin_client, make_user):
    make_user("bea", display_name="Bea", email_verified_at=utcnow())
    make_user("carl", is_active=False)
    make_user("gone", deleted_at=utcnow())
    response = admin_client.get("/users/export.csv?sort=username")
    assert response.status_code == 200
    assert response.is_streamed  # an iterator of chunks, not a body built beforehand
    assert response.mimetype == "text/csv"
    today = utcnow().strftime("%Y-%m-%d")
    assert response.headers["Content-Disposition"] == (f'attachment; filename="users-{today}.csv"')
    header, *lines = rows_of(response)
    assert header[:3] == ["id", "username", "display_name"]
    assert [line[1] for line in lines] == ["admin", "bea", "carl"]
    bea = dict(zip(header, lines[1], strict=True))
    assert (bea["email"], bea["email_verified"], bea["status"]) == (
        "bea@example.com",
        "yes",
        "active",
    )
    assert dict(zip(header, lines[2], strict=True))["status"] == "inactive"
    # The admin signed in for this test; the others never did.
    assert dict(zip(header, lines[0], strict=True))["last_sign_in"].startswith(today)
    assert dict(zip(header, lines[1], strict=True))["last_sign_in"] == ""


def test_the_export_follows_the_filters_search_and_sort(admin_client, make_user):
    for name in ("ann", "anders", "bo"):
        make_user(name, is_active=name != "bo")
    make_user("anton", deleted_at=utcnow())
    make_user("andi", role=Role.moderator)
    usernames = lambda url: [line[1] for line in rows_of(admin_client.get(url))[1:]]  # noqa: E731
    assert usernames("/users/export.csv?q=an&sort=-username") == ["ann", "andi", "anders"]
    assert usernames("/users/export.csv?q=an&role=member&sort=-username") == ["ann", "anders"]
    assert usernames("/users/export.csv?role=moderator") == ["andi"]
    assert usernames("/users/export.csv?status=inactive") == ["bo"]
    assert usernames("/users/export.csv?status=deleted") == ["anton"]
    assert usernames("/users/export.csv?status=deleted&q=ann") == []


def test_the_export_link_carries_the_current_filters(admin_client):
    response = admin_client.get("/users?status=inactive&q=x&sort=name&role=member", headers=HX)
    link = find(response, '[data-testid="export-csv"]')
    assert link.get("href") == "/users/export.csv?q=x&role=member&status=inactive&sort=name"
    assert link.get("download") is not None
    bom = find(response, '[data-testid="export-csv-bom"]').get("href")
    assert "bom=1" in bom
    assert "status=inactive" in bom


def test_a_byte_order_mark_on_request(admin_client, make_user):
    make_user("zoë", display_name="Zoë")
    plain = admin_client.get("/users/export.csv").get_data()
    assert plain.startswith(b"id,")
    marked = admin_client.get("/users/export.csv?bom=1").get_data()
    assert marked.startswith(b"\xef\xbb\xbfid,")
    assert "Zoë".encode() in marked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_user_text_that_looks_like_a_formula_is_exported_as_text(admin_client, make_user):
    make_user("evil", display_name='=HYPERLINK("http://x.test","click")', email="-x@example.com")
    header, *lines = rows_of(admin_client.get("/users/export.csv?q=evil"))
    evil = dict(zip(header, lines[0], strict=True))
    assert evil["display_name"] == '\'=HYPERLINK("http://x.test","click")'
    assert evil["email"] == "'-x@example.com"


def test_many_users_come_in_several_chunks(app, admin_client, make_user, monkeypatch):
    """Constant memory: the rows leave in batches as they are read, not as one body."""
    monkeypatch.setattr("roster.users.export.BATCH", 2)
    for n in range(5):
        make_user(f"chunk{n}")
    response = admin_client.get("/users/export.csv")
    chunks = [chunk for chunk in response.response if chunk]
    # The header alone first (sent before the query runs), then six users two by two.
    assert len(chunks) == 4
    assert chunks[0].decode().splitlines() == [",".join(HEADER)]
    lines = b"".join(chunks).decode().splitlines()
    assert len(lines) == 7  # the header, the admin and five more
    # Each chunk starts afresh: nothing of the one before is carried into the next.
    assert sorted(int(line.split(",", 1)[0]) for line in lines[1:]) == list(range(1, 7))


def test_an_export_is_audited_with_its_filters(app, admin_client, admin):
    admin_client.get("/users/export.csv?status=deleted&q=x&joined_after=nonsense")
    entry = scalar(app, select(AuditEntry).where(AuditEntry.action == "users.export"))
    assert entry.actor_id == admin.id
    assert entry.changes == {"q": [None, "x"], "status": [None, "deleted"]}
