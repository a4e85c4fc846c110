"""The user table's filters, new sorts and trash over HTTP, and the indexes that keep them fast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import event, select

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.posts.models import Post
from roster.users import queries
from roster.users.models import User, utcnow
from roster.users.policy import Role
from roster.users.queries import TableView, filter_conditions, sorted_matches
from tests.helpers import (
    HX,
    HX_HISTORY_RESTORE,
    counted_queries,
    dialect,
    explain,
    explain_sql,
    fetch,
    find,
    find_all,
    is_full_page,
    row_ids,
    save,
    scalar,
    sign_in,
    text_of,
    texts,
)

JAN = datetime(2026, 1, 10, 12, tzinfo=UTC)


@pytest.fixture
def people(make_user, admin):
    """An admin and five others, one of each kind the filters tell apart."""
    return {
        "admin": admin,
        "active": make_user("anna", created_at=JAN, email_verified_at=JAN),
        "inactive": make_user("ivan", is_active=False, created_at=JAN + timedelta(days=5)),
        "deleted": make_user("dora", deleted_at=utcnow(), created_at=JAN + timedelta(days=10)),
        "early": make_user("erin", created_at=JAN - timedelta(days=30), email_verified_at=JAN),
        "late": make_user("lars", created_at=JAN + timedelta(days=60)),
        "moderator": make_user("mona", role=Role.moderator, created_at=JAN + timedelta(days=2)),
    }


def ids(*users: User) -> set[int]:
    return {user.id for user in users}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ---- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["admin", "active", "inactive", "early", "late", "moderator"]),
        ("status=active", ["admin", "active", "early", "late", "moderator"]),
        ("status=inactive", ["inactive"]),
        ("status=deleted", ["deleted"]),
        ("joined_after=2026-01-10", ["admin", "active", "inactive", "late", "moderator"]),
        ("joined_before=2026-01-10", ["early"]),
        ("joined_after=2026-01-01&joined_before=2026-02-01", ["active", "inactive", "moderator"]),
        ("verified=yes", ["active", "early"]),
        ("verified=no&status=active", ["admin", "late", "moderator"]),
        ("role=admin", ["admin"]),
        ("role=moderator", ["moderator"]),
        ("role=member", ["active", "inactive", "early", "late"]),
        ("role=member&status=inactive", ["inactive"]),
        ("role=member&status=deleted", ["deleted"]),
        ("role=moderator&joined_before=2026-01-10", []),
        ("role=member&verified=yes&q=ann", ["active"]),
        ("status=deleted&joined_after=2026-01-15", ["deleted"]),
        ("status=deleted&joined_after=2026-01-25", []),
        ("status=active&q=er", ["early"]),
    ],
)
def test_each_filter_on_the_page_and_the_fragment(admin_client, people, query, expected):
    wanted = ids(*(people[name] for name in expected))
    page = admin_client.get(f"/users?{query}")
    assert page.status_code == 200
    assert is_full_page(page)
    assert set(row_ids(page)) == wanted
    fragment = admin_client.get(f"/users?{query}", headers=HX)
    assert not is_full_page(fragment)
    assert set(row_ids(fragment)) == wanted
    count = len(wanted)
    assert text_of(find(fragment, "#user-count")) == f"{count} user" + ("" if count == 1 else "s")
    if not wanted:
        assert find_all(fragment, '[data-testid="users-empty"]')


def test_the_filter_bar_shows_what_applies(admin_client, people):
    page = admin_client.get(
        "/users?status=inactive&joined_after=2026-01-01&joined_before=2026-02-01&verified=no&q=iv"
        "&role=member"
    )
    assert (
        find(page, '#users-filters select[name="role"] option[selected]').get("value") == "member"
    )
    assert find(page, 'select[name="status"] option[selected]').get("value") == "inactive"
    assert find(page, 'select[name="verified"] option[selected]').get("value") == "no"
    assert find(page, '#users-search input[name="joined_after"]').get("value") == "2026-01-01"
    assert find(page, '#users-search input[name="joined_before"]').get("value") == "2026-02-01"
    assert find(page, '#users-search input[name="q"]').get("value") == "iv"
    # A GET form: without JavaScript, Filter sends the search and the filters together.
    form = find(page, "form#users-search")
    assert form.get("method") == "get"
    assert form.get("action") == "/users"
    assert find_all(form, "#users-filters select[name='status']")
    clear = find(page, '[data-testid="clear-filters"]').get("href")
    assert query_of(clear) == {"q": ["iv"]}


@pytest.mark.parametrize(
    "query",
    [
        "status=gone",
        "status=DELETED",
        "role=owner",
        "role=Admin",
        "joined_after=2026-02-30",
        "joined_after=yesterday",
        "joined_before=2026-1-5",
        "joined_before=99999-01-01",
        "verified=maybe",
        "sort=last_sign_in%27--",
        "status=&verified=&joined_after=&joined_before=",
    ],
)
def test_bad_filter_values_are_ignored_never_a_500(admin_client, people, query):
    everyone = set(row_ids(admin_client.get("/users", headers=HX)))
    response = admin_client.get(f"/users?{query}", headers=HX)
    assert response.status_code == 200
    assert set(row_ids(response)) == everyone
    # The address bar shows what applied: nothing.
    assert response.headers["HX-Push-Url"] == "/users"
    assert admin_client.get(f"/users?{query}").status_code == 200
    assert admin_client.get(f"/users/export.csv?{query}").status_code == 200


def test_the_pushed_url_is_the_applied_filters_in_a_stable_order(admin_client, people):
    response = admin_client.get(
        "/users?verified=&joined_before=2026-02-01&q=&status=inactive&sort=-created&role=member",
        headers=HX,
    )
    assert (
        response.headers["HX-Push-Url"]
        == "/users?role=member&status=inactive&joined_before=2026-02-01"
    )
    # The pushed URL renders the same table on its own (reload, back and forward).
    restored = admin_client.get(response.headers["HX-Push-Url"], headers=HX_HISTORY_RESTORE)
    assert is_full_page(restored)
    assert row_ids(restored) == [people["inactive"].id]


def test_filters_stay_across_paging_and_sorting(app, admin_client, make_user):
    app.config["USERS_PER_PAGE"] = 2
    inactive = {make_user(f"in{n}", is_active=False).id for n in range(5)}
    for n in range(4):
        make_user(f"on{n}")
    seen, url = [], "/users?status=inactive&sort=username"
    while url:
        response = admin_client.get(url, headers=HX)
        seen += row_ids(response)
        assert text_of(find(response, "#user-count")) == "5 users"
        next_link = find_all(response, "#page-next")
        url = next_link[0].get("href") if next_link else None
        if url:
            assert query_of(url)["status"] == ["inactive"]
    assert set(seen) == inactive
    assert len(seen) == len(inactive)
    response = admin_client.get("/users?status=inactive", headers=HX)
    for column in ("username", "name", "status", "last_sign_in"):
        sort_link = find(response, f"#sort-{column}").get("href")
        assert query_of(sort_link)["status"] == ["inactive"]
    export = find(response, '[data-testid="export-csv"]').get("href")
    assert query_of(export) == {"status": ["inactive"]}
    # From a page further on, either way, a header starts the table afresh.
    for cursor in ("after=WyJhIl0", "before=WyJ6Il0"):  # after "a", before "z" (base64 JSON)
        response = admin_client.get(f"/users?status=inactive&sort=username&{cursor}", headers=HX)
        assert row_ids(response)
        for column in ("username", "email"):
            sort_link = find(response, f"#sort-{column}").get("href")
            assert set(query_of(sort_link)) == {"status", "sort"}, sort_link


# ---- sorts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort", ["name", "-name", "status", "-status", "last_sign_in", "-last_sign_in"]
)
def test_keyset_paging_visits_every_user_once_for_the_new_sorts(app, admin_client, make_user, sort):
    """Duplicate names, both statuses and never-signed-in users (NULL) across page borders."""
    app.config["USERS_PER_PAGE"] = 3
    moment = utcnow() - timedelta(days=3)
    for n in range(9):
        make_user(
            f"k{n}",
            display_name=["Same", "", "Other"][n % 3],
            is_active=n % 2 == 0,
            last_sign_in_at=moment + timedelta(hours=n // 2) if n % 3 else None,
        )
    seen, pages, url = [], [], f"/users?sort={sort}"
    while url:
        response = admin_client.get(url, headers=HX)
        pages.append((url, row_ids(response)))
        seen += pages[-1][1]
        found = find_all(response, "#page-next")
        url = found[0].get("href") if found else None
    assert len(seen) == 10
    assert len(set(seen)) == 10
    response = admin_client.get(pages[-1][0], headers=HX)
    for _, page_ids in reversed(pages[:-1]):
        response = admin_client.get(find(response, "#page-previous").get("href"), headers=HX)
        assert row_ids(response) == page_ids
    assert find_all(response, "#page-previous") == []


def test_the_new_sorts_order_the_rows(admin_client, admin, make_user):
    zed = make_user("zed", display_name="Alpha", is_active=False)
    amy = make_user("amy", display_name="beta", last_sign_in_at=utcnow() - timedelta(days=2))
    response = admin_client.get("/users?sort=name", headers=HX)
    assert row_ids(response) == [admin.id, zed.id, amy.id]  # "Ad Min", "Alpha", "beta"
    assert find(response, "th[aria-sort]").get("aria-sort") == "ascending"
    assert row_ids(admin_client.get("/users?sort=status", headers=HX))[0] == zed.id
    # Newest sign-in first; the admin signed in just now, zed never.
    recent = admin_client.get("/users?sort=-last_sign_in", headers=HX)
    assert row_ids(recent) == [admin.id, amy.id, zed.id]
    cells = texts(recent, f"#user-{zed.id} td")
    assert "Never" in cells


def test_a_sign_in_is_noted_without_counting_as_an_edit(app, client, make_user):
    user = make_user("signer")
    assert user.last_sign_in_at is None
    sign_in(client, "signer")
    after = fetch(app, User, user.id)
    assert after.last_sign_in_at is not None
    assert utcnow() - after.last_sign_in_at.replace(tzinfo=UTC) < timedelta(minutes=1)
    assert after.version == user.version
    assert after.updated_at == user.updated_at


# ---- the trash ------------------------------------------------------------------------------


def test_the_trash_rows_restore_and_purge(admin_client, people):
    dora = people["deleted"]
    trash = admin_client.get("/users?status=deleted", headers=HX)
    row = find(trash, f"#user-{dora.id}")
    assert find_all(row, f'form[action="/users/{dora.id}/restore"]')
    assert (
        find(row, '[data-testid="purge-user"]').get("href")
        == f"/users/{dora.id}/trash?confirm=purge"
    )
    assert find_all(row, "[data-edit]") == []
    assert "in the trash" in text_of(find(trash, '[data-testid="users-status"]'))


def test_restore_from_the_trash_refreshes_the_trash(app, admin_client, people):
    dora = people["deleted"]
    current = {"HX-Current-URL": "http://localhost/users?status=deleted"}
    response = admin_client.post(f"/users/{dora.id}/restore", headers={**HX, **current})
    assert response.status_code == 200
    assert row_ids(response) == []
    assert find_all(response, '[data-testid="users-empty"]')
    assert "Restored dora." in texts(response, '[data-testid="toast"]')[0]
    assert fetch(app, User, dora.id).deleted_at is None


def test_purge_asks_first_then_deletes_for_good(app, admin_client, people, admin):
    dora = people["deleted"]
    save(app, Post(author_id=dora.id, title="Gone", body="soon"))
    confirm = admin_client.get(f"/users/{dora.id}/trash?confirm=purge", headers=HX)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.get_data(as_text=True)
    assert find(confirm, "form").get("hx-delete") == f"/users/{dora.id}/purge"
    cancel = admin_client.get(f"/users/{dora.id}/trash", headers=HX)
    assert row_ids(cancel) == [dora.id]
    # Without JavaScript the confirm is the trash page with just that row.
    page = admin_client.get(f"/users/{dora.id}/trash?confirm=purge")
    assert is_full_page(page)
    assert find(page, 'select[name="status"] option[selected]').get("value") == "deleted"
    current = {"HX-Current-URL": "http://localhost/users?status=deleted"}
    purged = admin_client.delete(f"/users/{dora.id}/purge", headers={**HX, **current})
    assert purged.status_code == 200
    assert text_of(find(purged, '[hx-swap-oob="innerHTML:#user-count"]')) == "0 users"
    assert "Deleted dora for good." in texts(purged, '[data-testid="toast"]')[0]
    assert fetch(app, User, dora.id) is None
    assert scalar(app, select(Post).where(Post.author_id == dora.id)) is None
    entry = scalar(app, select(AuditEntry).where(AuditEntry.action == "user.purge"))
    assert (entry.target_id, entry.target_name, entry.actor_id) == (dora.id, "dora", admin.id)


def test_purge_without_javascript_goes_back_to_the_trash(app, admin_client, people):
    dora = people["deleted"]
    response = admin_client.post(f"/users/{dora.id}/purge")
    assert response.status_code == 303
    assert response.headers["Location"] == "/users?status=deleted"
    assert fetch(app, User, dora.id) is None


def test_only_users_in_the_trash_can_be_purged(app, admin_client, people):
    anna = people["active"]
    assert admin_client.delete(f"/users/{anna.id}/purge", headers=HX).status_code == 404
    assert admin_client.get(f"/users/{anna.id}/trash?confirm=purge").status_code == 404
    assert fetch(app, User, anna.id) is not None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/{id}/trash"),
        ("POST", "/users/{id}/purge"),
        ("DELETE", "/users/{id}/purge"),
        ("GET", "/users/export.csv"),
    ],
)
def test_members_are_refused_the_trash_and_the_export(app, member_client, make_user, method, path):
    gone = make_user("gone", deleted_at=utcnow())
    for headers in ({}, HX):
        response = member_client.open(path.format(id=gone.id), method=method, headers=headers)
        assert response.status_code == 403
    assert fetch(app, User, gone.id) is not None


def test_a_purge_without_csrf_token_is_refused(app, admin_client, people):
    dora = people["deleted"]
    refused = admin_client.post(f"/users/{dora.id}/purge", csrf=False)
    assert refused.status_code == 400
    assert fetch(app, User, dora.id) is not None


# ---- speed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "status=inactive&joined_after=2026-01-01&verified=no&sort=last_sign_in",
        "status=deleted&sort=-name",
        "q=ann&status=active&verified=yes&sort=status",
        "role=member&status=inactive&sort=-role",
    ],
)
def test_a_filtered_table_request_takes_at_most_three_queries(
    app, admin_client, people, make_user, query
):
    app.config["USERS_PER_PAGE"] = 2
    for n in range(6):
        make_user(f"q{n}", is_active=False, deleted_at=utcnow() if n % 2 else None)
    for headers in (HX, {}):
        with counted_queries(app) as statements:
            response = admin_client.get(f"/users?{query}", headers=headers)
        assert response.status_code == 200
        assert len(statements) <= 3, statements


FILTERS = {
    "role=admin": TableView(role="admin"),
    "role=member": TableView(role="member"),
    "status=active": TableView(status="active"),
    "status=inactive": TableView(status="inactive"),
    "status=deleted": TableView(status="deleted"),
    "joined_after": TableView(joined_after=JAN.date()),
    "joined_before": TableView(joined_before=JAN.date()),
    "verified=yes": TableView(verified="yes"),
    "verified=no": TableView(verified="no"),
}


def assert_indexed(app: Flask, plan: str, *, ordered: bool = False) -> None:
    """An index serves the query (SQLite: SEARCH or SCAN ... USING INDEX; no sort step)."""
    if dialect(app) == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "USE TEMP B-TREE" not in plan, plan
    else:
        assert "Index" in plan, plan
        assert "Seq Scan" not in plan, plan
        if ordered:
            assert "Sort  (cost" not in plan, plan


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_uses_an_index(app, people, name):
    """Each filter's own condition (the live/trash one aside) is an index search."""
    condition = filter_conditions(FILTERS[name])[-1]
    plan = explain(app, select(User.id).where(condition))
    assert_indexed(app, plan)


@pytest.mark.parametrize("sort", ["name", "status", "last_sign_in", "username", "created"])
@pytest.mark.parametrize("descending", [False, True])
def test_each_sort_walks_an_index(app, people, sort, descending):
    """No sort step: the page's rows, and the export's, come off the sort's index in order,
    whichever way round (on SQLite, `Likely` keeps "not deleted" from sending the plan through
    the deleted_at index and a sort of every live user)."""
    view = TableView(sort=f"-{sort}" if descending else sort)
    with app.app_context():
        export = sorted_matches(view, User.id)
    for query in (export, export.limit(26)):
        plan = explain(app, query)
        assert_indexed(app, plan, ordered=True)
        if dialect(app) == "sqlite":
            assert "deleted_at" not in plan, plan


@pytest.mark.parametrize("sort", ["name", "-created", "username", "-last_sign_in"])
def test_the_page_a_table_reads_walks_the_sort_index(app, people, sort):
    """The statement `fetch_page` sends (not one built beside it): no sort step either."""
    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, *_args) -> None:
        sent.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            queries.fetch_page(TableView(sort=sort), 25)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    ((statement, parameters),) = sent
    plan = explain_sql(app, statement, parameters)
    assert_indexed(app, plan, ordered=True)
    if dialect(app) == "sqlite":
        assert "deleted_at" not in plan, plan


@pytest.mark.parametrize("sort", ["username", "-created", "email"])
def test_a_filter_matching_many_walks_the_sort_index_on_sqlite(app, people, sort):
    """SQLite has no statistics: told the filter is common, it walks the sort's index and stops
    after a page, instead of reading every match off the filter's index and sorting them."""
    if dialect(app) != "sqlite":
        pytest.skip("PostgreSQL's planner has statistics to choose by")
    view = TableView(role="member", sort=sort)
    key = queries.SORT_KEYS[view.column](User)
    order = [column.desc() if view.descending else column.asc() for column in key]
    with app.app_context():
        common = filter_conditions(view, in_order=True, common=True)
        rare = filter_conditions(view, in_order=True)
    assert_indexed(app, explain(app, select(User.id).where(*common).order_by(*order).limit(26)),
                   ordered=True)  # fmt: skip
    assert "ix_users_role_id" in explain(app, select(User.id).where(*rare).order_by(*order))


@pytest.mark.parametrize(("cap", "common"), [(1, True), (1000, False)])
def test_a_filtered_table_is_counted_first_to_choose_its_plan(
    app, admin_client, people, monkeypatch, cap, common
):
    if dialect(app) != "sqlite":
        pytest.skip("PostgreSQL's planner has statistics to choose by")
    monkeypatch.setattr(queries, "COUNT_CAP", cap)
    chosen = []
    fetch_page = queries.fetch_page

    def spy(view, per_page, *, common=False):
        chosen.append(common)
        return fetch_page(view, per_page, common=common)

    monkeypatch.setattr(queries, "fetch_page", spy)
    page = admin_client.get("/users?role=member&sort=username", headers=HX)
    assert chosen == [common]
    assert row_ids(page) == [people[name].id for name in ("active", "early", "inactive", "late")]


def test_the_trash_walks_its_index_in_order(app, people):
    query = select(User.id).where(User.deleted_at.is_not(None)).order_by(User.deleted_at)
    assert_indexed(app, explain(app, query), ordered=True)


def test_the_index_checks_catch_a_missing_index(app, people):
    """The checks above can fail: a filter and a sort on a column with no index do."""
    with pytest.raises(AssertionError):
        assert_indexed(app, explain(app, select(User.id).where(User.bio == "x")))
    plan = explain(app, select(User.id).order_by(User.bio).limit(26))
    with pytest.raises(AssertionError):
        assert_indexed(app, plan, ordered=True)


def test_join_dates_include_their_first_moment_and_exclude_the_next_days(admin_client, make_user):
    """`joined_after` a day starts at its midnight (UTC); `joined_before` a day ends just
    before the day's midnight."""
    at_midnight = make_user("midnight", created_at=datetime(2026, 3, 1, tzinfo=UTC))
    just_before = make_user("lastsecond", created_at=datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC))
    march_first = admin_client.get(
        "/users?joined_after=2026-03-01&joined_before=2026-03-02", headers=HX
    )
    assert row_ids(march_first) == [at_midnight.id]
    february_end = admin_client.get(
        "/users?joined_after=2026-02-28&joined_before=2026-03-01", headers=HX
    )
    assert row_ids(february_end) == [just_before.id]
