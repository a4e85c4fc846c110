"""SQL statements per request stay within budget: a regression (an N+1, a new lookup) fails here.

Counts, not timings: nothing here depends on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from roster.extensions import db
from roster.posts.models import Post
from tests.helpers import HX, find, save_all, text_of

# The budget for the user table: signed-in user, the rows, the count.
TABLE_BUDGET = 3


class QueryCounter:
    """Counts the statements one request runs (each request has its own app context)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def record(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def __call__(self, client, url: str, headers: dict[str, str] | None = None) -> int:
        self.statements.clear()
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.status_code)
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter.record)
    yield counter
    event.remove(engine, "before_cursor_execute", counter.record)


@pytest.fixture
def many_posts(app, member, make_user):
    """Posts by several authors: an N+1 on authors would show as extra statements."""
    authors = [member, *(make_user() for _ in range(4))]
    save_all(
        app,
        (
            Post(author_id=author.id, title=f"Post {n}", body="Text")
            for n, author in enumerate(authors * 3)
        ),
    )
    return authors


def test_an_anonymous_page_runs_no_query(client, count_queries):
    assert count_queries(client, "/about") == 0


def test_a_signed_in_page_costs_one_query_for_the_user(admin_client, count_queries):
    assert count_queries(admin_client, "/about") == 1
    assert count_queries(admin_client, "/about", HX) == 0


def test_home_loads_posts_and_authors_in_one_query(admin_client, many_posts, count_queries):
    assert count_queries(admin_client, "/") == 2  # the user, the posts joined with authors
    assert count_queries(admin_client, "/", HX) == 1


def test_profile_stays_within_budget(admin_client, many_posts, count_queries):
    url = f"/user/{many_posts[0].username}"
    assert count_queries(admin_client, url) <= 4  # user, profile owner, post count, posts


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/users?q=user", HX),
        ("/users", HX),
        ("/users", {}),
        ("/users?status=inactive&verified=no&joined_after=2020-01-01&sort=last_sign_in", HX),
        ("/users?status=deleted&q=user&sort=-name", {}),
    ],
    ids=["search-fragment", "first-page-fragment", "full-page", "filters-fragment", "trash-page"],
)
def test_user_table_requests_stay_within_budget(
    admin_client, make_user, count_queries, url, headers
):
    for _ in range(30):
        make_user()
    assert count_queries(admin_client, url, headers) <= TABLE_BUDGET


def test_a_search_that_fits_on_one_page_needs_no_count_query(
    app, admin_client, make_user, count_queries
):
    """The signed-in user and the rows: the page's length is the count, so no COUNT runs."""
    for n in range(30):
        make_user(f"few{n}" if n < 3 else None)
    assert count_queries(admin_client, "/users?q=few", HX) == 2
    count = find(admin_client.get("/users?q=few", headers=HX), "#user-count")
    assert text_of(count) == "3 users"
    # A search with more matches than a page still counts them.
    app.config["USERS_PER_PAGE"] = 2
    assert count_queries(admin_client, "/users?q=few", HX) == 3
    count = find(admin_client.get("/users?q=few", headers=HX), "#user-count")
    assert text_of(count) == "3 users"


def test_the_audit_log_stays_within_budget(admin_client, many_posts, count_queries):
    """The user, the page of entries; a username filter is a subquery, not a query of its own."""
    for url in ("/audit", "/audit?actor=admin&user=member&action=user.create&after=2026-01-01"):
        assert count_queries(admin_client, url) <= TABLE_BUDGET
        assert count_queries(admin_client, url, HX) <= TABLE_BUDGET
    assert count_queries(admin_client, "/audit?actor=admin&user=member") == 2
