"""One keyset paginator for every list: cursors round-trip, and a tampered one is a 400."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from roster.audit.queries import AuditView
from roster.pagination import BadCursor, cursor_args, decode, encode
from roster.posts.models import Post
from roster.users.models import User
from roster.users.queries import SORT_KEYS, TableView

CREATED = SORT_KEYS["created"](User)
USERNAME = SORT_KEYS["username"](User)
ROLE = SORT_KEYS["role"](User)


@pytest.mark.parametrize(
    ("key", "values"),
    [
        (CREATED, [datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), 42]),
        (CREATED, [datetime(2026, 1, 2, 3, 4, 5), 1]),  # SQLite hands back naive datetimes
        (USERNAME, ["ädä~&=?/+ 名"]),
        (ROLE, ["moderator", 7]),
        ((Post.created_at, Post.id), [datetime(1970, 1, 1, tzinfo=UTC), 2**63 - 1]),
    ],
)
def test_a_cursor_gives_back_the_values_it_was_made_of(key, values):
    cursor = encode(values)
    assert cursor.isascii()
    assert all(ch.isalnum() or ch in "-_" for ch in cursor), "safe in a URL as it is"
    assert decode(cursor, key) == values


@pytest.mark.parametrize(
    ("key", "values"),
    [
        (CREATED, ["2026-13-01T00:00:00", 1]),  # no such month
        (CREATED, ["2026-01-01T00:00:00", "1"]),  # a string where the id is a number
        (CREATED, ["2026-01-01T00:00:00", True]),  # JSON true is not an id
        (CREATED, ["2026-01-01T00:00:00", 1.5]),
        (CREATED, ["2026-01-01T00:00:00", 2**63]),  # no database binds that
        (CREATED, ["2026-01-01T00:00:00", None]),
        (CREATED, [1, 1]),
        (CREATED, ["2026-01-01T00:00:00"]),  # too few values for the key
        (USERNAME, ["a", "b"]),  # too many
        (USERNAME, ["nul\x00"]),  # PostgreSQL refuses NUL in text
        (USERNAME, [["nested"]]),
        (ROLE, [1, 1]),  # a number where the key is a boolean
    ],
)
def test_values_of_the_wrong_type_for_the_key_are_a_bad_cursor(key, values):
    with pytest.raises(BadCursor):
        decode(encode(values), key)


@pytest.mark.parametrize(
    "cursor",
    ["", "x", "²", "١٢", "12", "a+b/", "e30", "W10", "WyJ4Ii", "[1]", "W" * 2000, "WwoK" * 300],
)
def test_text_this_site_did_not_write_is_a_bad_cursor(cursor):
    with pytest.raises(BadCursor):
        decode(cursor, CREATED)


def test_a_bad_cursor_answers_400():
    assert BadCursor().code == 400


def test_after_wins_when_a_link_carries_both():
    assert cursor_args({"after": "a", "before": "b"}) == {"after": "a", "before": None}
    assert cursor_args({"before": "b"}) == {"after": None, "before": "b"}
    assert cursor_args({"after": "", "before": ""}) == {"after": None, "before": None}


def test_a_link_carries_what_differs_from_the_defaults_with_dates_as_days():
    view = TableView(q="ada", joined_after=date(2026, 1, 2), after="cursor")
    assert view.args(after=None, sort="email") == {
        "q": "ada",
        "joined_after": "2026-01-02",
        "sort": "email",
    }
    assert TableView(sort="-created", role="").args() == {}
    assert AuditView(before=date(2026, 12, 3), older="c").args(older=None) == {
        "before": "2026-12-03"
    }


def test_importing_a_model_does_not_build_the_app():
    """The factory imports blueprints, handlers and commands; a model imports only itself."""
    code = "import sys, roster.users.models; print(sorted(m for m in sys.modules if 'roster' in m))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    modules = ast.literal_eval(loaded)
    assert modules == [
        "roster",
        "roster.extensions",
        "roster.users",
        "roster.users.models",
        "roster.users.policy",
    ]
