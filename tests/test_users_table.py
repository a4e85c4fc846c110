"""The admin user table: access, search, sort, paging, create, edit, delete and undo over HTTP."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from roster.extensions import db
from roster.posts.models import Post
from roster.users import rules
from roster.users.models import User, utcnow
from roster.users.queries import TableView, capped_count, search_condition

HX = {"HX-Request": "true"}
# "conftest" names e2e/conftest.py in a full run, so this file imports nothing from it.
PASSWORD = "a new user's password"
# Bookkeeping that a restore may change; everything else must come back exactly.
SKIPPED = {"version", "updated_at"}
ROW_IDS = re.compile(r'<tr id="user-(\d+)"\s+data-testid="user-row"')


def row_ids(response) -> list[int]:
    return [int(n) for n in ROW_IDS.findall(response.get_data(as_text=True))]


def form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "is_admin": "y" if user.is_admin else "",
        "is_active": "active" if user.is_active else "inactive",
        "version": str(user.version),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def row_ids_at_start(html: str) -> int | None:
    """The id of the row the fragment starts with (what htmx swaps in place of the old row)."""
    match = ROW_IDS.match(html.lstrip())
    return int(match.group(1)) if match else None


@contextmanager
def counted_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# ---- access -------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{id}"),
    ("GET", "/users/{id}/edit"),
    ("PUT", "/users/{id}"),
    ("POST", "/users/{id}"),
    ("DELETE", "/users/{id}"),
    ("POST", "/users/{id}/delete"),
    ("POST", "/users/{id}/restore"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_members_are_refused_everywhere(member_client, make_user, method, path):
    target = make_user("target")
    url = path.format(id=target.id)
    for headers in ({}, HX):
        response = member_client.open(url, method=method, headers=headers)
        assert response.status_code == 403, (url, headers)
    assert db.session.get(User, target.id).deleted_at is None


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in(client, make_user, method, path):
    url = path.format(id=make_user("target").id)
    page = client.open(url, method=method)
    assert page.status_code in {303, 400}  # unsafe requests without a session fail CSRF first
    fragment = client.open(url, method=method, headers=HX, csrf=False)
    if method == "GET":
        assert page.status_code == 303
        assert page.headers["Location"].startswith("/login?next=")
        assert fragment.status_code == 401
        assert fragment.headers["HX-Redirect"].startswith("/login?next=")


def test_anonymous_htmx_fragment_gets_hx_redirect(client, make_user):
    response = client.get(f"/users/{make_user('x').id}/edit", headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


# ---- the table ----------------------------------------------------------------------------


def test_full_page_and_fragment(admin_client, admin):
    page = admin_client.get("/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<table id="users-table"' in html
    assert re.search(r'<input[^>]*name="q"\s+type="search"', html)
    assert "<html" in html
    fragment = admin_client.get("/users?q=adm", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="users-results"' in body
    assert 'id="create-user-form"' not in body
    assert row_ids(fragment) == [admin.id]
    assert "HX-Request" in fragment.headers["Vary"]
    restore = admin_client.get("/users?q=adm", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_search_matches_username_email_and_display_name(admin_client, make_user):
    alice = make_user("alice", email="wonder@land.test", display_name="Alice Liddell")
    bob = make_user("bob", email="bob@builder.test", display_name="Bob Builder")
    assert row_ids(admin_client.get("/users?q=LIC", headers=HX)) == [alice.id]
    assert row_ids(admin_client.get("/users?q=builder", headers=HX)) == [bob.id]
    assert row_ids(admin_client.get("/users?q=liddell", headers=HX)) == [alice.id]
    assert row_ids(admin_client.get("/users?q=onder@la", headers=HX)) == [alice.id]
    # Short queries are prefix matches.
    assert row_ids(admin_client.get("/users?q=b", headers=HX)) == [bob.id]
    assert row_ids(admin_client.get("/users?q=al", headers=HX)) == [alice.id]
    # Characters that mean something to LIKE or FTS5 are taken literally.
    for q in ('"', "%", "a_c", "o'b", "*"):
        assert admin_client.get("/users", query_string={"q": q}, headers=HX).status_code == 200
    empty = admin_client.get("/users?q=nobody-here", headers=HX)
    assert row_ids(empty) == []
    assert 'data-testid="users-empty"' in empty.get_data(as_text=True)


def test_search_index_follows_edits_and_deletes(app, make_user):
    user = make_user("carol", display_name="Carol")
    assert db.session.scalars(select(User.id).where(search_condition("arol"))).all() == [user.id]
    user.display_name = "Zebra Stripes"
    user.username = "zed"
    user.email = "zed@example.com"
    db.session.commit()
    assert db.session.scalars(select(User.id).where(search_condition("arol"))).all() == []
    assert db.session.scalars(select(User.id).where(search_condition("stripes"))).all() == [user.id]
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalars(select(User.id).where(search_condition("stripes"))).all() == []


def test_search_uses_an_index(app, make_user):
    make_user("dora")
    query = select(User.id).where(search_condition("dora"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "VIRTUAL TABLE INDEX" in plan
            assert "SCAN users" not in plan.replace("SCAN users_search", "")
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "_trgm" in plan
            assert "Seq Scan" not in plan


def test_sorting_and_aria_sort(admin_client, admin, make_user):
    make_user("zoe", email="a@z.test")
    make_user("bert", email="z@b.test")
    by_name = admin_client.get("/users?sort=username", headers=HX)
    names = re.findall(r'">([a-z]+)</a>\s*</span>', by_name.get_data(as_text=True))
    assert names == ["admin", "bert", "zoe"]
    assert 'aria-sort="ascending"' in by_name.get_data(as_text=True)
    desc = admin_client.get("/users?sort=-email", headers=HX)
    names = re.findall(r'">([a-z]+)</a>\s*</span>', desc.get_data(as_text=True))
    assert names == ["bert", "admin", "zoe"]
    assert 'aria-sort="descending"' in desc.get_data(as_text=True)
    by_role = admin_client.get("/users?sort=-role", headers=HX)
    assert row_ids(by_role)[0] == admin.id


@pytest.mark.parametrize("sort", ["username", "-username", "email", "created", "-created", "role"])
def test_keyset_paging_visits_every_user_once_both_ways(app, admin_client, make_user, sort):
    app.config["USERS_PER_PAGE"] = 3
    for n in range(7):
        make_user(f"u{n:02d}", is_admin=n % 3 == 0)
    seen, pages, url = [], [], f"/users?sort={sort}"
    while url:
        response = admin_client.get(url, headers=HX)
        ids = row_ids(response)
        pages.append((url, ids))
        seen += ids
        match = re.search(r'id="page-next"[^>]*href="([^"]+)"', response.get_data(as_text=True))
        url = match.group(1).replace("&amp;", "&") if match else None
    assert len(seen) == 8
    assert len(set(seen)) == 8
    # Walking back with "Previous" gives the same pages.
    html = admin_client.get(pages[-1][0], headers=HX).get_data(as_text=True)
    for _, ids in reversed(pages[:-1]):
        prev = re.search(r'id="page-previous"[^>]*href="([^"]+)"', html).group(1)
        response = admin_client.get(prev.replace("&amp;", "&"), headers=HX)
        assert row_ids(response) == ids
        html = response.get_data(as_text=True)


@pytest.mark.parametrize("per_page", [1, 5, 25, 100])
def test_a_table_request_takes_at_most_three_queries(app, admin_client, make_user, per_page):
    app.config["USERS_PER_PAGE"] = per_page
    for n in range(12):
        make_user(f"p{n}")
    first = admin_client.get("/users?sort=username", headers=HX)
    last_id = row_ids(first)[-1]
    for url in ("/users", "/users?q=p1", "/users?q=p", f"/users?sort=username&after={last_id}"):
        for headers in (HX, {}):  # the fragment and the full page
            db.session.remove()
            with counted_queries() as statements:
                response = admin_client.get(url, headers=headers)
            assert response.status_code == 200
            assert len(statements) <= 3, statements


def test_count_is_capped(app, monkeypatch, make_user):
    monkeypatch.setattr("roster.users.queries.COUNT_CAP", 2)
    for n in range(4):
        make_user(f"c{n}")
    assert capped_count("") == 3
    from roster.users.queries import count_label

    assert count_label(3) == "2+ users"


def test_bad_query_arguments_fall_back(admin_client):
    response = admin_client.get("/users?sort=password_hash&after=x&before=-1", headers=HX)
    assert response.status_code == 200
    assert TableView.from_args({"sort": "nope"}).sort == "-created"


# ---- create -------------------------------------------------------------------------------


def test_create_with_htmx_returns_form_new_row_and_count(admin_client):
    response = admin_client.post(
        "/users",
        data={"username": "newbie", "email": "newbie@example.com", "password": PASSWORD},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert response.status_code == 200
    assert user is not None
    assert not user.is_admin
    assert 'id="create-user-form"' in html
    assert 'hx-swap-oob="afterbegin:#users-rows"' in html
    assert f'id="user-{user.id}"' in html
    assert "row-fresh" in html
    assert 'id="user-count"' in html
    assert "2 users" in html
    assert "Created newbie." in html
    assert user.check_password(PASSWORD)


def test_create_without_javascript_redirects(admin_client):
    response = admin_client.post(
        "/users",
        data={
            "username": "plain",
            "email": "plain@example.com",
            "password": PASSWORD,
            "is_admin": "y",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/users"
    assert db.session.scalar(select(User).where(User.username == "plain")).is_admin


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "x", "email": "x@example.com"}, "3 to 32 characters"),
        ({"username": "okname", "email": "not-an-email"}, "Invalid email"),
        ({"username": "okname", "email": "ok@example.com", "password": "short"}, "At least 12"),
        ({"username": "MEMBER", "email": "new@example.com"}, "That username is taken."),
        ({"username": "fresh", "email": "Member@Example.com"}, "already exists"),
    ],
)
def test_create_errors_are_form_errors(admin_client, member, data, message):
    data = {"password": PASSWORD, **data}
    response = admin_client.post("/users", data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="create-user-form"' in html
    assert "<html" not in html
    plain = admin_client.post("/users", data=data)
    assert plain.status_code == 422
    assert message in plain.get_data(as_text=True)


def test_duplicate_caught_by_the_database_is_a_form_error(admin_client, member, monkeypatch):
    monkeypatch.setattr("roster.users.service.is_taken", lambda *a, **k: False)
    response = admin_client.post(
        "/users",
        data={"username": "Member", "email": "other@example.com", "password": PASSWORD},
        headers=HX,
    )
    assert response.status_code == 422
    assert "That username is taken." in response.get_data(as_text=True)


# ---- one row, edit -----------------------------------------------------------------------


def test_row_edit_and_confirm_fragments(admin_client, member):
    row = admin_client.get(f"/users/{member.id}", headers=HX).get_data(as_text=True)
    assert row_ids_at_start(row) == member.id
    edit = admin_client.get(f"/users/{member.id}/edit", headers=HX).get_data(as_text=True)
    assert 'class="edit-row"' in edit
    assert f'value="{member.version}"' in edit
    assert "autofocus" in edit
    confirm = admin_client.get(f"/users/{member.id}?confirm=delete", headers=HX)
    assert 'data-testid="confirm-delete"' in confirm.get_data(as_text=True)
    assert f'hx-delete="/users/{member.id}"' in confirm.get_data(as_text=True)
    page = admin_client.get(f"/users/{member.id}/edit")
    assert "<html" in page.get_data(as_text=True)
    assert 'class="edit-row"' in page.get_data(as_text=True)
    assert admin_client.get("/users/9999", headers=HX).status_code == 404


def test_edit_in_place(admin_client, member):
    data = form(member, display_name="New Name", email="new@example.com", is_admin="y")
    response = admin_client.put(f"/users/{member.id}", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids_at_start(html) == member.id
    assert "New Name" in html
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert (user.display_name, user.email, user.is_admin, user.is_active) == (
        "New Name",
        "new@example.com",
        True,
        True,
    )


def test_edit_with_plain_post_redirects_and_can_deactivate_and_reset_password(
    admin_client, member, app, sign_in_as
):
    member_browser = app.test_client()
    sign_in_as(member_browser, member.username)
    data = form(member, is_active="inactive", password="a brand new password")
    response = admin_client.post(f"/users/{member.id}", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert not user.is_active
    assert user.check_password("a brand new password")
    assert member_browser.get("/account/password").status_code == 303, "signed out"


def test_update_with_only_the_contract_fields_keeps_the_rest(admin_client, member):
    data = {"username": "member", "email": "renamed@example.com", "version": str(member.version)}
    assert admin_client.put(f"/users/{member.id}", data=data, headers=HX).status_code == 200
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert (user.email, user.display_name, user.is_active) == (
        "renamed@example.com",
        "Mem Ber",
        True,
    )
    missing = admin_client.put(f"/users/{member.id}", data={"username": "member"}, headers=HX)
    assert missing.status_code == 422
    assert "does not say which version" in missing.get_data(as_text=True)


def test_edit_errors_stay_in_the_row(admin_client, member, make_user):
    other = make_user("other")
    response = admin_client.put(
        f"/users/{member.id}", data=form(member, email=other.email.upper()), headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="edit-row"' in html
    assert "already exists" in html
    response = admin_client.put(
        f"/users/{member.id}", data=form(member, username="no spaces"), headers=HX
    )
    assert response.status_code == 422
    assert "3 to 32 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).email == "member@example.com"


def test_a_stale_version_is_a_clear_error_not_a_500(admin_client, member):
    stale = form(member)
    member.display_name = "Changed meanwhile"
    db.session.commit()
    response = admin_client.put(
        f"/users/{member.id}", data={**stale, "display_name": "Mine"}, headers=HX
    )
    assert response.status_code == 422
    assert "Someone else changed this user" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).display_name == "Changed meanwhile"


def test_admin_cannot_demote_or_deactivate_themself(admin_client, admin):
    for change, message in (
        (dict(is_admin=""), rules.SELF_DEMOTE),
        (dict(is_active="inactive"), rules.SELF_DEACTIVATE),
    ):
        response = admin_client.put(f"/users/{admin.id}", data=form(admin, **change), headers=HX)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin


def test_last_active_admin_rules(app, admin, make_user):
    other = make_user("boss", is_admin=True)
    # Two admins: one may demote the other.
    assert rules.change_problems(admin, other, is_admin=False, is_active=True) == {}
    other.is_active = False
    db.session.commit()
    # The only active admin left cannot lose the role or be deactivated, even by another admin.
    assert rules.change_problems(other, admin, is_admin=False, is_active=True) == {
        "is_admin": rules.LAST_ADMIN
    }
    assert rules.change_problems(other, admin, is_admin=True, is_active=False) == {
        "is_active": rules.LAST_ADMIN
    }
    assert rules.delete_problem(other, admin) == rules.LAST_ADMIN
    assert rules.delete_problem(admin, other) is None


# ---- delete and undo --------------------------------------------------------------------


def test_delete_then_undo_restores_everything(admin_client, member, client):
    db.session.add(Post(author_id=member.id, title="Hello", body="World"))
    db.session.commit()
    before = {
        c.name: getattr(member, c.name) for c in User.__table__.columns if c.name not in SKIPPED
    }
    response = admin_client.delete(f"/users/{member.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="user-count"' in html
    assert 'hx-swap-oob="true"' in html
    assert f'action="/users/{member.id}/restore"' in html
    assert 'data-lifetime="15000"' in html
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is not None
    assert member.id not in row_ids(admin_client.get("/users", headers=HX))
    assert admin_client.get("/user/member").status_code == 404
    assert admin_client.get(f"/users/{member.id}", headers=HX).status_code == 404
    undo = admin_client.post(f"/users/{member.id}/restore", headers=HX)
    assert undo.status_code == 200
    assert f'id="toast-undo-{member.id}" hx-swap-oob="delete"' in undo.get_data(as_text=True)
    assert member.id in row_ids(undo)
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert {
        c.name: getattr(user, c.name) for c in User.__table__.columns if c.name not in SKIPPED
    } == before
    assert db.session.scalar(select(Post.title).where(Post.author_id == member.id)) == "Hello"
    assert admin_client.get("/user/member").status_code == 200


def test_deleted_users_cannot_sign_in(client, make_user):
    user = make_user("leaving", password=PASSWORD)
    user.deleted_at = utcnow()
    db.session.commit()
    response = client.post("/login", data={"username": "leaving", "password": PASSWORD})
    assert response.status_code == 422
    assert "/login" in client.get("/users").location


def test_delete_and_restore_without_javascript(admin_client, member):
    response = admin_client.post(f"/users/{member.id}/delete")
    assert response.status_code == 303
    page = admin_client.get("/users").get_data(as_text=True)
    assert "Deleted member." in page
    assert f'action="/users/{member.id}/restore"' in page
    restored = admin_client.post(f"/users/{member.id}/restore")
    assert restored.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is None


def test_admin_cannot_delete_themself(admin_client, admin):
    response = admin_client.delete(f"/users/{admin.id}", headers=HX)
    assert response.status_code == 422
    assert rules.SELF_DELETE in response.get_data(as_text=True)
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert admin_client.post(f"/users/{admin.id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None


def test_purge_deleted_removes_old_soft_deleted_users_and_their_posts(app, runner, make_user):
    from datetime import timedelta

    old, recent, live = make_user("old"), make_user("recent"), make_user("live")
    db.session.add(Post(author_id=old.id, title="t", body="b"))
    old.deleted_at = utcnow() - timedelta(days=40)
    recent.deleted_at = utcnow() - timedelta(days=2)
    db.session.commit()
    old_id = old.id
    result = runner.invoke(args=["purge-deleted", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 user" in result.output
    db.session.expire_all()
    assert db.session.get(User, old_id) is None
    assert db.session.scalar(select(Post).where(Post.author_id == old_id)) is None
    assert db.session.get(User, recent.id) is not None
    assert db.session.get(User, live.id) is not None
    assert db.session.scalars(select(User.id).where(search_condition("old"))).all() == []
