"""Services and queries called directly, for what their HTTP callers cannot show apart: who is
recorded as the actor, which rows a statement may touch, and the order and scope of reads."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import DateTime, select

from roster import create_app
from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.posts.models import Post
from roster.posts.queries import count_posts, newest_posts_of
from roster.posts.service import delete_post, purge_posts, restore_post
from roster.users.export import HEADER, cells, csv_lines
from roster.users.live import render_changes
from roster.users.models import User, last_sign_in_key, utcnow
from roster.users.policy import Role
from roster.users.queries import DEFAULT_SORT, TableView, _escape_like, search_condition
from roster.users.service import purge_users
from tests.helpers import scalar, scalars


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


def add_post(author: User, title: str, **fields) -> Post:
    post = Post(author_id=author.id, title=title, body="text", **fields)
    db.session.add(post)
    db.session.commit()
    return post


# ---- posts --------------------------------------------------------------------------------


def test_a_moderators_delete_and_restore_are_audited_as_theirs(make_user, in_app):
    author = db.session.get(User, make_user("author").id)
    moderator = db.session.get(User, make_user("mod", role=Role.moderator).id)
    post = add_post(author, "Spam")
    delete_post(moderator, post)
    restore_post(moderator, post)
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.target_id)
        .where(AuditEntry.action.like("post.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert rows == [
        ("post.delete", moderator.id, author.id),
        ("post.restore", moderator.id, author.id),
    ]


def test_counts_and_lists_keep_to_one_author_newest_first(make_user, in_app):
    author = db.session.get(User, make_user("author").id)
    other = db.session.get(User, make_user("other").id)
    now = utcnow()
    older = add_post(author, "Older", created_at=now - timedelta(days=1))
    tied_first = add_post(author, "Tied first", created_at=now)
    tied_second = add_post(author, "Tied second", created_at=now)
    add_post(author, "Hidden", created_at=now - timedelta(days=2), hidden_at=now)
    add_post(other, "Not theirs", created_at=now + timedelta(days=1))
    assert count_posts(author) == 3  # the public's count: not the hidden one
    assert count_posts(author, author) == 4  # the author sees their hidden post
    titles = [post.title for post in newest_posts_of(author, 10)]
    assert titles == [tied_second.title, tied_first.title, older.title, "Hidden"]
    assert [post.title for post in newest_posts_of(author, 2)] == titles[:2]


def test_posts_deleted_at_the_cutoff_itself_are_kept(make_user, in_app):
    """Only posts deleted before the moment are purged, not those deleted at it."""
    author = db.session.get(User, make_user("author").id)
    cutoff = utcnow()
    add_post(author, "Earlier", deleted_at=cutoff - timedelta(seconds=1))
    add_post(author, "At the cutoff", deleted_at=cutoff)
    assert purge_posts(cutoff) == 1
    assert list(db.session.scalars(select(Post.title))) == ["At the cutoff"]


# ---- users ----------------------------------------------------------------------------------


def test_the_last_sign_in_sort_compares_aware_timestamps():
    """The key (never signed in: a far past) is timezone-aware like the column, so PostgreSQL
    compares a page's cursor with timestamptz values, not local times."""
    key = last_sign_in_key()
    assert isinstance(key.type, DateTime)
    assert key.type.timezone is True


def test_changes_not_about_users_render_nothing(in_app):
    """The live table sends nothing for entries about other things (posts, the audit's own)."""
    entries = [AuditEntry(action="post.delete", target_id=1), AuditEntry(action="user.update")]
    assert render_changes(entries, {}) == ""


def test_purge_takes_only_deleted_users_and_only_their_posts(app, make_user, admin, in_app):
    gone = make_user("gone", deleted_at=utcnow())
    live = make_user("live")
    for user in (gone, live):
        add_post(db.session.get(User, user.id), f"by {user.username}")
    chosen = select(User.id).where(User.id.in_([gone.id, live.id]))
    assert purge_users(db.session.get(User, admin.id), chosen) == 1
    assert scalars(app, select(User.username).where(User.id.in_([gone.id, live.id]))) == ["live"]
    assert scalars(app, select(Post.title)) == ["by live"]
    entry = scalar(app, select(AuditEntry).where(AuditEntry.action == "user.purge"))
    assert (entry.actor_id, entry.target_id) == (admin.id, gone.id)


def test_like_patterns_escape_their_wildcards():
    assert _escape_like("50%_off\\") == "50\\%\\_off\\\\"
    assert _escape_like("plain") == "plain"


def test_a_search_is_trimmed_and_cut_to_a_hundred_characters():
    assert TableView.from_args({"q": "  " + "x" * 150}).q == "x" * 100
    assert TableView.from_args({"q": " y" * 50}).q == ("y " * 50)[:99]


def test_an_unknown_sort_falls_back_to_the_default():
    assert TableView.from_args({"sort": "Xusername"}).sort == DEFAULT_SORT
    assert TableView.from_args({"sort": "-username"}).sort == "-username"


def test_clearing_the_filters_keeps_the_search_and_sort_and_leaves_the_page():
    view = TableView(
        q="ann",
        role="admin",
        status="deleted",
        verified="yes",
        sort="username",
        after="abc",
        before="def",
    )
    assert view.without_filters() == {"q": "ann", "sort": "username"}


# ---- the export's lines ---------------------------------------------------------------------


def row(**fields) -> SimpleNamespace:
    base = {
        "id": 7,
        "username": "ann",
        "display_name": "Ann",
        "email": "ann@example.com",
        "email_verified_at": None,
        "role": "member",
        "is_active": True,
        "deleted_at": None,
        "last_sign_in_at": None,
        "created_at": utcnow().replace(year=2026, month=1, day=2, hour=3, minute=4, second=5),
    }
    return SimpleNamespace(**{**base, **fields})


def test_each_cell_of_an_export_line():
    line = dict(zip(HEADER, cells(row()), strict=True))
    assert line["id"] == "7"
    assert (line["email_verified"], line["status"], line["last_sign_in"]) == ("no", "active", "")
    assert line["created"] == "2026-01-02T03:04:05+00:00"
    verified = cells(row(email_verified_at=utcnow(), is_active=False))
    assert dict(zip(HEADER, verified, strict=True))["email_verified"] == "yes"
    assert dict(zip(HEADER, verified, strict=True))["status"] == "inactive"
    deleted = dict(zip(HEADER, cells(row(deleted_at=utcnow(), is_active=True)), strict=True))
    assert deleted["status"] == "deleted"


def test_export_lines_end_as_spreadsheets_expect(admin, in_app):
    body = "".join(csv_lines(TableView()))
    assert body.startswith(",".join(HEADER) + "\r\n")
    assert body.count("\r\n") == 2  # the header and the admin


def test_a_header_link_sorts_by_its_column_then_flips_it_from_the_first_page():
    assert TableView(q="ann", after="abc").sorted_by("username") == {
        "q": "ann",
        "sort": "username",
    }
    assert TableView(sort="username").sorted_by("username") == {"sort": "-username"}
    assert TableView(sort="-username").sorted_by("username") == {"sort": "username"}
    assert TableView(sort="username").sorted_by("email") == {"sort": "email"}
    # The default is newest first: its column's link sorts oldest first, and back.
    assert TableView().sorted_by("created") == {"sort": "created"}
    assert TableView(sort="created").sorted_by("created") == {}


def test_each_header_says_how_the_table_is_sorted_by_it():
    view = TableView(sort="-created")
    assert [view.aria_sort(column) for column in ("created", "username")] == ["descending", "none"]
    assert TableView(sort="username").aria_sort("username") == "ascending"


def test_the_postgresql_search_as_compiled():
    """Whatever engine this run uses: the PostgreSQL condition is built without a connection
    (the app's engine only says its dialect), so its text and patterns are checked here."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "compile only",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        short, long = (search_condition(q).compile(db.engine) for q in (" A% ", "b_c\\"))
    columns = ("users.username", "users.email", "users.display_name")
    for compiled in (short, long):
        text = str(compiled)
        assert [f"lower({column}) LIKE" in text for column in columns] == [True] * 3
        assert text.count(" OR ") == 2
        assert text.count("ESCAPE '\\'") == 3
    assert set(short.params.values()) == {"a\\%%"}  # under three characters: a prefix
    assert set(long.params.values()) == {"%b\\_c\\\\%"}  # a substring, wildcards escaped


def test_what_an_export_or_a_bulk_action_keeps_of_a_view():
    view = TableView(q="ann", role="admin", sort="username", after="abc", before="def")
    assert view.filter_args() == {"q": "ann", "role": "admin", "sort": "username"}
    assert view.filter_fields() == {"q": "ann", "role": "admin"}


def test_a_views_link_carries_its_dates_as_days():
    view = TableView(joined_after=date(2026, 1, 2), joined_before=date(2026, 3, 4), verified="no")
    assert view.args() == {
        "joined_after": "2026-01-02",
        "joined_before": "2026-03-04",
        "verified": "no",
    }
    assert TableView.from_args(view.args()) == view
