"""The admin user table: access, search, sort, paging, create, edit, delete and undo over HTTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from roster.extensions import db
from roster.pagination import encode
from roster.posts.models import Post
from roster.users import policy, rules
from roster.users.models import User, utcnow
from roster.users.queries import TableView, capped_count, count_label, search_condition
from tests.helpers import (
    HX,
    HX_HISTORY_RESTORE,
    change,
    counted_queries,
    edit_data,
    fetch,
    find,
    find_all,
    is_full_page,
    parse,
    row_ids,
    save,
    scalar,
    search_ids,
    sign_in,
    text_of,
    texts,
)

# Not the make_user password: the one a created user gets.
PASSWORD = "a new user's password"
# Bookkeeping that a restore may change; everything else must come back exactly.
SKIPPED = {"version", "updated_at"}


def row_ids_at_start(html: str) -> int | None:
    """The id of the row the fragment starts with (what htmx swaps in place of the old row)."""
    first = parse(html)[0]
    if first.tag != "tr" or first.get("data-testid") != "user-row":
        return None
    return int(first.get("id").removeprefix("user-"))


def usernames(response) -> list[str]:
    """The usernames of the rows, in order: each leads to the user's details page."""
    return texts(response, 'tr[data-testid="user-row"] [data-testid="user-details-link"]')


def href(response, css: str) -> str | None:
    """Where the element matching `css` links to; None when the answer has no such element."""
    found = find_all(response, css)
    return found[0].get("href") if found else None


def columns(app: Flask, user_id: int) -> dict:
    """The user's row as stored, but for the bookkeeping a restore may change."""
    user = fetch(app, User, user_id)
    return {c.name: getattr(user, c.name) for c in User.__table__.columns if c.name not in SKIPPED}


def next_of(location: str) -> str:
    """The page sign-in goes back to: `/login?next=<this>`."""
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)["next"][0]


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
def test_members_are_refused_everywhere(app, member_client, make_user, method, path):
    target = make_user("target")
    before = columns(app, target.id)
    url = path.format(id=target.id)
    for headers in ({}, HX):
        response = member_client.open(url, method=method, headers=headers)
        assert response.status_code == 403, (url, headers)
    assert columns(app, target.id) == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in(app, client, make_user, method, path):
    target = make_user("target")
    before = columns(app, target.id)
    url = path.format(id=target.id)
    if method != "GET":
        # CSRF comes first: an unsafe request without the token is refused outright.
        for headers in ({}, HX):
            refused = client.open(url, method=method, headers=headers, csrf=False)
            assert refused.status_code == 400, (url, headers)
    # With a valid token (anonymous visitors have one too), what is missing is the sign-in.
    page = client.open(url, method=method)
    assert page.status_code == 303
    assert next_of(page.headers["Location"]) == url
    assert "HX-Redirect" not in page.headers
    fragment = client.open(
        url, method=method, headers={**HX, "HX-Current-URL": "http://localhost/users?q=tar"}
    )
    assert fragment.status_code == 401
    assert "Location" not in fragment.headers
    # htmx goes back to the page it was on, not to the fragment it asked for.
    assert next_of(fragment.headers["HX-Redirect"]) == "/users?q=tar"
    assert fragment.get_data(as_text=True) == ""
    assert columns(app, target.id) == before


# ---- the table ----------------------------------------------------------------------------


def test_full_page_and_fragment(admin_client, admin):
    page = admin_client.get("/users")
    assert page.status_code == 200
    assert is_full_page(page)
    table = find(page, "table#users-table")
    assert row_ids(table) == [admin.id]
    assert find(page, 'input[name="q"][type="search"]').get("value") == ""
    fragment = admin_client.get("/users?q=adm", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert find_all(body, "#users-results")
    assert find_all(body, "#create-user-form") == []
    assert row_ids(fragment) == [admin.id]
    assert "HX-Request" in fragment.headers["Vary"]
    restore = admin_client.get("/users?q=adm", headers=HX_HISTORY_RESTORE)
    assert is_full_page(restore)
    assert row_ids(restore) == [admin.id]


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
    empty = admin_client.get("/users?q=nobody-here", headers=HX)
    assert row_ids(empty) == []
    assert find_all(empty, '[data-testid="users-empty"]')


def test_a_short_search_is_a_prefix_of_exactly_those_letters(admin_client, make_user):
    """One or two letters search the start of each name (a range on the lower() indexes):
    the term itself is in, the next prefix ("ab" -> "ac") is not."""
    exact = make_user("ab", email="x1@example.com")
    longer = make_user("abz", email="x2@example.com")
    make_user("ac", email="x3@example.com")
    make_user("ad", email="x4@example.com")
    make_user("aaz", email="x5@example.com")
    response = admin_client.get("/users?q=ab&sort=username", headers=HX)
    assert row_ids(response) == [exact.id, longer.id]


def test_search_takes_like_and_fts5_characters_literally(admin_client, make_user):
    """`%`, `_`, `*`, quotes: each finds the one user who has it, never every user or an error."""
    quoted = make_user("quoter", display_name='"Quoted" Name')
    percent = make_user("percent", display_name="%off")
    underscore = make_user("a_c")
    make_user("abc")  # what `a_c` would match if `_` were a LIKE wildcard
    irish = make_user("pat", display_name="Pat O'Brien")
    star = make_user("star", display_name="*star*")
    make_user("stars", display_name="Stars")  # what `*` would match as FTS5's prefix operator
    expected = {
        '"': quoted,
        "%": percent,
        "a_c": underscore,
        "o'b": irish,
        "*": star,
        '"quoted"': quoted,
        "%of": percent,
        "*st": star,
    }
    for q, user in expected.items():
        response = admin_client.get("/users", query_string={"q": q}, headers=HX)
        assert response.status_code == 200, q
        assert row_ids(response) == [user.id], q


def test_search_index_follows_edits_and_deletes(app, make_user):
    user_id = make_user("carol", display_name="Carol").id
    assert search_ids(app, "arol") == [user_id]
    change(app, User, user_id, display_name="Zebra Stripes", username="zed", email="zed@ex.com")
    assert search_ids(app, "arol") == []
    assert search_ids(app, "stripes") == [user_id]
    with app.app_context():
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()
    assert search_ids(app, "stripes") == []


def test_search_uses_an_index(app, make_user):
    make_user("dora")
    with app.app_context(), db.engine.connect() as conn:
        query = select(User.id).where(search_condition("dora"))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
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
    assert usernames(by_name) == ["admin", "bert", "zoe"]
    assert find(by_name, "th[aria-sort]").get("aria-sort") == "ascending"
    assert "Username" in text_of(find(by_name, "th[aria-sort]"))
    desc = admin_client.get("/users?sort=-email", headers=HX)
    assert usernames(desc) == ["bert", "admin", "zoe"]
    assert find(desc, "th[aria-sort]").get("aria-sort") == "descending"
    assert "Email" in text_of(find(desc, "th[aria-sort]"))
    # Roles sort by name: admin, member, moderator.
    by_role = admin_client.get("/users?sort=role", headers=HX)
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
        url = href(response, "#page-next")
    assert len(seen) == 8
    assert len(set(seen)) == 8
    # Walking back with "Previous" gives the same pages.
    response = admin_client.get(pages[-1][0], headers=HX)
    for _, ids in reversed(pages[:-1]):
        response = admin_client.get(href(response, "#page-previous"), headers=HX)
        assert row_ids(response) == ids
    assert href(response, "#page-previous") is None


@pytest.mark.parametrize("per_page", [1, 5, 25, 100])
def test_a_table_request_takes_at_most_three_queries(app, admin_client, make_user, per_page):
    app.config["USERS_PER_PAGE"] = per_page
    for n in range(12):
        make_user(f"p{n}")
    later = f"/users?sort=username&after={encode(['p1'])}"
    for url in ("/users", "/users?q=p1", "/users?q=p", later):
        for headers in (HX, {}):  # the fragment and the full page
            with counted_queries(app) as statements:
                response = admin_client.get(url, headers=headers)
            assert response.status_code == 200
            assert len(statements) <= 3, statements


def test_count_is_capped(app, monkeypatch, make_user):
    monkeypatch.setattr("roster.users.queries.COUNT_CAP", 2)
    for n in range(4):
        make_user(f"c{n}")
    with app.app_context():
        assert capped_count(TableView()) == 3
    assert count_label(3) == "2+ users"
    assert count_label(2) == "2 users"  # exactly the cap is still an exact count


def test_an_unknown_sort_falls_back_to_the_newest_first(admin_client):
    response = admin_client.get("/users?sort=password_hash", headers=HX)
    assert response.status_code == 200
    assert TableView.from_args({"sort": "nope"}).sort == "-created"


@pytest.mark.parametrize("cursor", ["x", "-1", "%C2%B2", "12", "WzFd", "WzEsMl0", "W251bGxd"])
@pytest.mark.parametrize("arg", ["after", "before"])
def test_a_malformed_page_cursor_is_a_bad_request(admin_client, arg, cursor):
    """Not base64, not JSON, or values of the wrong type for the sort: never a database error."""
    response = admin_client.get(f"/users?sort=username&{arg}={cursor}", headers=HX)
    assert response.status_code == 400
    assert admin_client.get(f"/users?{arg}={cursor}").status_code == 400


# ---- create -------------------------------------------------------------------------------


def test_create_with_htmx_returns_form_new_row_and_count(app, admin_client):
    response = admin_client.post(
        "/users",
        data={"username": "newbie", "email": "newbie@example.com", "password": PASSWORD},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    user = scalar(app, select(User).where(User.username == "newbie"))
    assert response.status_code == 200
    assert user is not None
    assert not user.is_admin
    assert user.display_name == ""
    assert user.check_password(PASSWORD)
    answer = parse(html)
    assert find_all(answer, "form#create-user-form")
    new_rows = find(answer, '[hx-swap-oob="afterbegin:#users-rows"]')
    assert row_ids(new_rows) == [user.id]
    assert "row-fresh" in find(new_rows, f"#user-{user.id}").classes
    assert text_of(find(answer, '[hx-swap-oob="innerHTML:#user-count"]')) == "2 users"
    assert "Created newbie." in html


def test_create_without_javascript_redirects(app, admin_client):
    response = admin_client.post(
        "/users",
        data={
            "username": "plain",
            "email": "plain@example.com",
            "password": PASSWORD,
            "is_admin": "y",
            "display_name": "Plain Person",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/users"
    assert scalar(app, select(User.is_admin).where(User.username == "plain")) is True
    assert scalar(app, select(User.display_name).where(User.username == "plain")) == "Plain Person"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "x", "email": "x@example.com"}, policy.USERNAME_MESSAGE),
        ({"username": "okname", "email": "not-an-email"}, policy.EMAIL_MESSAGE),
        (
            {"username": "okname", "email": "ok@example.com", "password": "short"},
            policy.PASSWORD_MESSAGE,
        ),
        ({"username": "MEMBER", "email": "new@example.com"}, policy.USERNAME_TAKEN),
        ({"username": "fresh", "email": "Member@Example.com"}, policy.EMAIL_TAKEN),
        ({"username": "fresh", "email": "MEMBER@EXAMPLE.COM "}, policy.EMAIL_TAKEN),
    ],
)
def test_create_errors_are_form_errors(admin_client, member, data, message):
    data = {"password": PASSWORD, **data}
    response = admin_client.post("/users", data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert find_all(html, "form#create-user-form")
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


def field_errors(html: str, field_id: str) -> list[str]:
    return texts(find(html, f"#field-{field_id}"), '[data-testid="field-error"]')


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_create_shows_format_and_taken_errors_in_one_round(admin_client, member, headers):
    """A taken username beside a malformed email (and the other way round): both at once,
    as registration shows them, not the clash only on the next submit."""
    data = {"username": "MEMBER", "email": "not-an-email", "password": PASSWORD}
    html = admin_client.post("/users", data=data, headers=headers).get_data(as_text=True)
    assert field_errors(html, "username") == [policy.USERNAME_TAKEN]
    assert field_errors(html, "email") == [policy.EMAIL_MESSAGE]
    data = {"username": "x", "email": member.email.upper(), "password": PASSWORD}
    html = admin_client.post("/users", data=data, headers=headers).get_data(as_text=True)
    assert field_errors(html, "username") == [policy.USERNAME_MESSAGE]
    assert field_errors(html, "email") == [policy.EMAIL_TAKEN]


def test_create_looks_up_only_well_formed_values(admin_client, monkeypatch):
    """A malformed value cannot be taken: it is not looked up, and says only what is wrong."""
    looked_up = []
    monkeypatch.setattr(
        "roster.users.service.is_taken", lambda *args, **kw: looked_up.append(args) or False
    )
    data = {"username": "x", "email": "fine@example.com", "password": PASSWORD}
    response = admin_client.post("/users", data=data, headers=HX)
    assert response.status_code == 422
    assert looked_up == [("email", "fine@example.com")]


# ---- one row, edit -----------------------------------------------------------------------


def test_row_edit_and_confirm_fragments(admin_client, member):
    row = admin_client.get(f"/users/{member.id}", headers=HX).get_data(as_text=True)
    assert row_ids_at_start(row) == member.id
    edit = admin_client.get(f"/users/{member.id}/edit", headers=HX).get_data(as_text=True)
    assert row_ids_at_start(edit) == member.id
    assert "edit-row" in find(edit, f"#user-{member.id}").classes
    assert find(edit, 'input[name="version"]').get("value") == str(member.version)
    assert find_all(edit, "[autofocus]")
    confirm = admin_client.get(f"/users/{member.id}?confirm=delete", headers=HX)
    # The one delete confirmation of the site (posts ask the same way).
    dialog = find(confirm, '[role="alertdialog"]')
    assert dialog.get("aria-labelledby") == f"confirm-{member.id}-title"
    assert find(dialog, "form").get("hx-delete") == f"/users/{member.id}"
    assert find_all(dialog, '[data-testid="confirm-delete"]')
    page = admin_client.get(f"/users/{member.id}/edit")
    assert is_full_page(page)
    assert "edit-row" in find(page, f"#user-{member.id}").classes
    # The page shows only that row, and the way back to every user.
    assert row_ids(page) == [member.id]
    assert text_of(find(page, '[data-testid="users-status"] a')) == "All users"
    assert admin_client.get("/users/9999", headers=HX).status_code == 404


@pytest.mark.parametrize("active", [True, False])
def test_the_edit_form_shows_the_saved_status(app, admin_client, make_user, active):
    """Else saving an inactive user unchanged would quietly make them active."""
    user = make_user("someone", is_active=active)
    edit = admin_client.get(f"/users/{user.id}/edit", headers=HX)
    selected = find(edit, f"#edit-{user.id}-is_active option[selected]")
    assert selected.get("value") == ("active" if active else "inactive")


def test_edit_in_place(app, admin_client, member):
    data = edit_data(member, display_name="New Name", email="new@example.com", role="admin")
    response = admin_client.put(f"/users/{member.id}", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert row_ids_at_start(html) == member.id
    assert "New Name" in html
    user = fetch(app, User, member.id)
    assert (user.display_name, user.email, user.is_admin, user.is_active) == (
        "New Name",
        "new@example.com",
        True,
        True,
    )


def test_edit_with_plain_post_redirects_and_can_deactivate_and_reset_password(
    app, admin_client, member
):
    member_browser = app.test_client()
    sign_in(member_browser, member.username)
    data = edit_data(member, is_active="inactive", password="a brand new password")
    response = admin_client.post(f"/users/{member.id}", data=data)
    assert response.status_code == 303
    user = fetch(app, User, member.id)
    assert not user.is_active
    assert user.check_password("a brand new password")
    assert member_browser.get("/account/password").status_code == 303, "signed out"


def test_update_with_only_the_contract_fields_keeps_the_rest(app, admin_client, member):
    data = {"username": "member", "email": "renamed@example.com", "version": str(member.version)}
    assert admin_client.put(f"/users/{member.id}", data=data, headers=HX).status_code == 200
    user = fetch(app, User, member.id)
    assert (user.email, user.display_name, user.is_active) == (
        "renamed@example.com",
        "Mem Ber",
        True,
    )
    missing = admin_client.put(f"/users/{member.id}", data={"username": "member"}, headers=HX)
    assert missing.status_code == 422
    assert "does not say which version" in missing.get_data(as_text=True)


def test_edit_errors_stay_in_the_row(app, admin_client, member, make_user):
    other = make_user("other")
    response = admin_client.put(
        f"/users/{member.id}", data=edit_data(member, email=other.email.upper()), headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "edit-row" in find(html, f"#user-{member.id}").classes
    assert policy.EMAIL_TAKEN in html
    response = admin_client.put(
        f"/users/{member.id}", data=edit_data(member, username="no spaces"), headers=HX
    )
    assert response.status_code == 422
    assert policy.USERNAME_MESSAGE in response.get_data(as_text=True)
    assert fetch(app, User, member.id).email == "member@example.com"


def test_edit_shows_format_and_taken_errors_in_one_round(app, admin_client, member, make_user):
    other = make_user("other")
    data = edit_data(member, username=other.username.upper(), email="not-an-email")
    response = admin_client.put(f"/users/{member.id}", data=data, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, f"edit-{member.id}-username") == [policy.USERNAME_TAKEN]
    assert field_errors(html, f"edit-{member.id}-email") == [policy.EMAIL_MESSAGE]
    # Their own username and email are theirs to keep: no clash with themselves.
    data = edit_data(member, display_name="x" * 65)
    html = admin_client.put(f"/users/{member.id}", data=data, headers=HX).get_data(as_text=True)
    assert field_errors(html, f"edit-{member.id}-username") == []
    assert field_errors(html, f"edit-{member.id}-email") == []
    assert fetch(app, User, member.id).username == "member"


def test_a_stale_version_is_a_conflict_not_a_500(app, admin_client, member):
    stale = edit_data(member)
    change(app, User, member.id, display_name="Changed meanwhile")
    response = admin_client.put(
        f"/users/{member.id}", data={**stale, "display_name": "Mine"}, headers=HX
    )
    assert response.status_code == 409
    assert find_all(response, '[data-testid="keep-mine"]')
    assert fetch(app, User, member.id).display_name == "Changed meanwhile"


def test_admin_cannot_demote_or_deactivate_themself(app, admin_client, admin):
    for change_, message in (
        (dict(role=""), rules.SELF_DEMOTE),  # a form from before roles, its box unticked
        (dict(role="moderator"), rules.SELF_DEMOTE),
        (dict(is_active="inactive"), rules.SELF_DEACTIVATE),
    ):
        response = admin_client.put(
            f"/users/{admin.id}", data=edit_data(admin, **change_), headers=HX
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    user = fetch(app, User, admin.id)
    assert (user.is_admin, user.is_active) == (True, True)


# ---- delete and undo --------------------------------------------------------------------


def test_delete_then_undo_restores_everything(app, admin_client, member):
    save(app, Post(author_id=member.id, title="Hello", body="World"))
    before = columns(app, member.id)
    response = admin_client.delete(f"/users/{member.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text_of(find(html, '[hx-swap-oob="innerHTML:#user-count"]')) == "1 user"
    assert find_all(html, f'form[action="/users/{member.id}/restore"]')
    toast = find(html, '.toast-success[data-lifetime="15000"]')
    assert toast.get("id") == f"toast-undo-{member.id}"
    undo_form = find(toast, "form")
    assert undo_form.get("hx-target") == "#users-results"
    assert text_of(find(undo_form, '[data-testid="toast-action"]')) == "Undo"
    assert fetch(app, User, member.id).deleted_at is not None
    assert member.id not in row_ids(admin_client.get("/users", headers=HX))
    assert admin_client.get("/user/member").status_code == 404
    assert admin_client.get(f"/users/{member.id}", headers=HX).status_code == 404
    undo = admin_client.post(f"/users/{member.id}/restore", headers=HX)
    assert undo.status_code == 200
    assert find(undo, f"#toast-undo-{member.id}").get("hx-swap-oob") == "delete"
    assert member.id in row_ids(undo)
    # The restored row is marked as new.
    assert find(undo, f"#user-{member.id}").get("class") == "row-fresh"
    assert columns(app, member.id) == before
    assert scalar(app, select(Post.title).where(Post.author_id == member.id)) == "Hello"
    assert admin_client.get("/user/member").status_code == 200


def test_deleted_users_cannot_sign_in(client, make_user):
    make_user("leaving", password=PASSWORD, deleted_at=utcnow())
    response = client.post("/login", data={"username": "leaving", "password": PASSWORD})
    assert response.status_code == 422
    assert next_of(client.get("/users").location) == "/users"


def test_delete_and_restore_without_javascript(app, admin_client, member):
    response = admin_client.post(f"/users/{member.id}/delete")
    assert response.status_code == 303
    assert fetch(app, User, member.id).deleted_at is not None
    page = admin_client.get("/users")
    assert any("Deleted member." in toast for toast in texts(page, '[data-testid="toast"]'))
    assert find_all(page, f'form[action="/users/{member.id}/restore"]')
    restored = admin_client.post(f"/users/{member.id}/restore")
    assert restored.status_code == 303
    assert restored.headers["Location"] == "/users"
    assert fetch(app, User, member.id).deleted_at is None


def test_admin_cannot_delete_themself(app, admin_client, admin):
    response = admin_client.delete(f"/users/{admin.id}", headers=HX)
    assert response.status_code == 422
    assert rules.SELF_DELETE in response.get_data(as_text=True)
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert admin_client.post(f"/users/{admin.id}/delete").status_code == 303
    assert fetch(app, User, admin.id).deleted_at is None


def test_purge_deleted_removes_old_soft_deleted_users_and_their_posts(app, runner, make_user):
    old = make_user("old", deleted_at=utcnow() - timedelta(days=40))
    recent = make_user("recent", deleted_at=utcnow() - timedelta(days=2))
    live = make_user("live")
    save(app, Post(author_id=old.id, title="t", body="b"))
    result = runner.invoke(args=["purge-deleted", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 user" in result.output
    assert fetch(app, User, old.id) is None
    assert scalar(app, select(Post).where(Post.author_id == old.id)) is None
    assert fetch(app, User, recent.id) is not None
    assert fetch(app, User, live.id) is not None
    assert search_ids(app, "old") == []


SENT_BY = {
    "href": "GET",
    "hx-get": "GET",
    "hx-post": "POST",
    "hx-put": "PUT",
    "hx-delete": "DELETE",
}


@pytest.mark.parametrize("status", ["", "deleted"])
def test_every_url_a_page_of_rows_uses_is_a_route_for_its_method(
    app: Flask, admin_client, make_user, status
):
    """Rows join their user's id to one prefix (no url_for per row): each URL must still be a
    route that takes the method it is sent with, for every state a row can be in."""
    when = utcnow() - timedelta(days=1)
    deleted = {"deleted_at": when} if status else {}
    make_user("confirmed", email_verified_at=when, **deleted)
    make_user("unconfirmed", **deleted)
    invited = make_user("invited", **deleted)
    with app.app_context():
        user = db.session.get(User, invited.id)
        user.set_unusable_password()
        db.session.commit()
    response = admin_client.get("/users", query_string={"status": status} if status else {})
    urls = app.url_map.bind("localhost")
    sent = set()
    for element in find_all(response, 'tr[data-testid="user-row"] *'):
        for attribute, method in SENT_BY.items():
            if url := element.get(attribute):
                sent.add((urlsplit(url).path, method))
        if element.tag == "form" and element.get("method") == "post":
            sent.add((element.get("action"), "POST"))
    ends = {path.rsplit("/", 1)[-1] for path, _ in sent}
    if status:  # a deleted user gets no mail: the resend routes only know live users
        assert ends >= {"details", "restore", "trash"}
        assert not ends & {"invite", "verify"}
    else:
        assert ends >= {"details", "edit", "invite", "verify"}
    for path, method in sent:
        urls.match(path, method=method)  # raises NotFound or MethodNotAllowed
