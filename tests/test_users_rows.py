"""The table's rows come from a cache keyed by what they show (roster.users.rows)."""

from __future__ import annotations

from flask import Flask
from lxml.html import tostring
from sqlalchemy import text

from roster.extensions import db
from roster.users.models import Role, utcnow
from roster.users.rows import RowCache
from tests.helpers import HX, find, find_all, sign_in, texts

ROW = 'tr[data-testid="user-row"]'


def kept(app: Flask) -> int:
    return len(app.extensions["roster.rows"].rows)


def test_a_page_of_rows_is_rendered_once_and_kept(app, admin_client, make_user):
    make_user("ada")
    make_user("grace")
    first = find_all(admin_client.get("/users"), ROW)
    assert kept(app) == 3  # the admin, ada and grace
    again = find_all(admin_client.get("/users"), ROW)
    assert kept(app) == 3
    assert [tostring(row) for row in again] == [tostring(row) for row in first]


def test_a_column_changed_behind_the_orms_back_renders_the_row_anew(app, admin_client, member):
    """A bulk UPDATE leaves the version as it was: the row is keyed by its columns, not by it."""
    assert "Mem Ber" in texts(admin_client.get("/users"), ROW + " td")
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET display_name = 'Renamed' WHERE id = :id"), {"id": member.id}
        )
        db.session.commit()
    names = texts(admin_client.get("/users"), ROW + ' td[data-label="Name"]')
    assert "Renamed" in names
    assert "Mem Ber" not in names


def test_each_session_gets_rows_with_its_own_csrf_token(app, admin_client, admin):
    """The same admin in two browsers: each one's kept rows carry a token of its own session,
    which still validates in a later request."""
    second = app.test_client()
    sign_in(second, admin.username)
    tokens = []
    for client in (admin_client, second):
        client.get("/users")
        form = find(client.get("/users"), f"tr#user-{admin.id} form.inline-form")  # kept
        token = find(form, 'input[name="csrf_token"]').get("value")
        sent = client.post(form.get("action"), data={"csrf_token": token}, csrf=False)
        assert sent.status_code == 303
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_a_kept_row_is_the_viewers_own(app, admin_client, admin, make_user):
    """Nobody deletes themself: each admin's own row has no Delete, the other's has."""
    other = make_user("other-admin", role=Role.admin)
    second = app.test_client()
    sign_in(second, other.username)
    for client, me, them in ((admin_client, admin, other), (second, other, admin)):
        client.get("/users")
        page = client.get("/users")
        assert not find(page, f"tr#user-{me.id}").cssselect('a[aria-label^="Delete"]')
        assert find(page, f"tr#user-{them.id}").cssselect('a[aria-label^="Delete"]')


def test_a_row_kept_with_a_highlight_is_not_shown_without_it(app, admin_client, make_user):
    """A restored user's row is flashed and focused in the answer to the restore, and only
    there: the next look at the table shows it plain."""
    gone = make_user("gone", deleted_at=utcnow())
    restored = admin_client.post(f"/users/{gone.id}/restore", headers=HX)
    assert "row-fresh" in find(restored, f"tr#user-{gone.id}").classes
    assert "row-fresh" not in find(admin_client.get("/users"), f"tr#user-{gone.id}").classes


def test_with_templates_reloading_no_row_is_kept(app, admin_client):
    """`make run` (debug) reloads templates: a designer's edit shows at once."""
    app.jinja_env.auto_reload = True
    admin_client.get("/users")
    assert kept(app) == 0


def test_the_least_recently_used_row_goes_first():
    rows = RowCache(size=2)
    rows.put("a", "A")
    rows.put("b", "B")
    assert rows.get("a") == "A"  # now the most recently used
    rows.put("c", "C")
    assert (rows.get("a"), rows.get("b"), rows.get("c")) == ("A", None, "C")
