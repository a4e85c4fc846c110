"""Post lists page by keyset on (created_at, id): Load more never repeats or skips a post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from roster.extensions import db
from roster.pagination import encode
from roster.posts.models import Post
from tests.helpers import HX, find, find_all, is_full_page, parse, save_all, text_of

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_pages(app):
    app.config["POSTS_PER_PAGE"] = 3


def add_posts(app, author, count, *, first=0, same_time=False):
    """Posts 'p<first>'.. , each a minute newer than the one before (or all at one moment)."""
    save_all(
        app,
        (
            Post(
                author_id=author.id,
                title=f"p{n}",
                body="text",
                created_at=START if same_time else START + timedelta(minutes=n),
            )
            for n in range(first, first + count)
        ),
    )


def titles(html):
    """The post titles, in order: each card's heading links to its post."""
    cards = find_all(html, '[data-testid="post-card"]')
    links = [find(card, "h3 > a") for card in cards]
    assert all(link.get("href").startswith("/post/") for link in links)
    return [text_of(link) for link in links]


def next_url(html):
    """The Load more link (None on the last page); it works with and without JavaScript."""
    links = find_all(html, 'a[data-testid="load-more"]')
    if not links:
        return None
    (link,) = links
    assert link.get("href") == link.get("hx-get"), "the link works with or without JavaScript"
    return link.get("href")


def read_all(client, url, headers=None):
    """Follow Load more to the end: the titles of every page, in order."""
    pages = []
    while url:
        html = client.get(url, headers=headers).get_data(as_text=True)
        pages.append(titles(html))
        url = next_url(html)
    return pages


@pytest.mark.parametrize("list_url", ["/", "/user/member"])
def test_load_more_walks_every_post_once_newest_first(app, client, member, list_url):
    add_posts(app, member, 7)
    pages = read_all(client, list_url, headers=HX)
    assert pages == [["p6", "p5", "p4"], ["p3", "p2", "p1"], ["p0"]]


@pytest.mark.parametrize("list_url", ["/", "/user/member"])
def test_the_last_page_has_no_load_more(app, client, member, list_url):
    add_posts(app, member, 3)
    html = client.get(list_url).get_data(as_text=True)
    assert titles(html) == ["p2", "p1", "p0"]
    assert 'data-testid="load-more"' not in html


def test_posts_added_between_requests_are_neither_repeated_nor_skipped(app, client, member):
    add_posts(app, member, 6)
    first = client.get("/").get_data(as_text=True)
    assert titles(first) == ["p5", "p4", "p3"]
    add_posts(app, member, 4, first=100)  # newer than everything shown so far
    rest = read_all(client, next_url(first), headers=HX)
    assert rest == [["p2", "p1", "p0"]]


def test_deleting_the_post_a_page_ended_on_does_not_break_the_next_page(app, client, member):
    add_posts(app, member, 6)
    first = client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(delete(Post).where(Post.title == "p3"))
        db.session.commit()
    assert read_all(client, next_url(first)) == [["p2", "p1", "p0"]]


def test_posts_created_at_the_same_moment_are_ordered_by_id(app, client, member):
    add_posts(app, member, 5, same_time=True)
    assert read_all(client, "/", headers=HX) == [["p4", "p3", "p2"], ["p1", "p0"]]


def test_without_javascript_the_next_page_is_a_full_page(app, client, member):
    add_posts(app, member, 4)
    url = next_url(client.get("/user/member").get_data(as_text=True))
    assert url.startswith("/user/member?after=")
    page = client.get(url)
    assert is_full_page(page)
    assert find_all(page, '[data-testid="profile-card"]')
    assert titles(page) == ["p0"]


def test_htmx_load_more_answers_with_only_the_next_posts(app, client, member):
    add_posts(app, member, 4)
    url = next_url(client.get("/").get_data(as_text=True))
    fragment = client.get(url, headers=HX).get_data(as_text=True)
    assert titles(fragment) == ["p0"]
    assert "<html" not in fragment
    assert "Latest posts" not in fragment
    assert find_all(fragment, "#post-list") == []


def test_a_later_page_puts_the_focus_on_its_first_post(app, client, member):
    add_posts(app, member, 5)
    first = client.get("/").get_data(as_text=True)
    assert "autofocus" not in first
    fragment = client.get(next_url(first), headers=HX).get_data(as_text=True)
    assert fragment.count("autofocus") == 1
    tree = parse(fragment)
    (focused,) = find_all(tree, "[autofocus]")
    assert focused is find_all(tree, '[data-testid="post-card"] h3 > a')[0]
    assert text_of(focused) == "p1"


def test_profiles_page_only_their_authors_posts(app, client, member, make_user):
    other = make_user("other")
    add_posts(app, member, 4)
    add_posts(app, other, 4, first=50)
    assert read_all(client, "/user/member") == [["p3", "p2", "p1"], ["p0"]]
    assert read_all(client, "/") == [
        ["p53", "p52", "p51"],
        ["p50", "p3", "p2"],
        ["p1", "p0"],
    ]


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "12",
        "-3",
        "1-x",
        "9" * 18 + "-1",
        "%C2%B2",
        encode(["not a date", 1]),
        encode(["2026-01-01T00:00:00", "1"]),
        encode(["2026-01-01T00:00:00", 2**63]),
        encode(["2026-01-01T00:00:00"]),
        encode(["2026-01-01T00:00:00", 1, 2]),
        "A" * 2000,
    ],
)
@pytest.mark.parametrize("arg", ["after", "before"])
def test_a_malformed_cursor_is_a_bad_request(client, member, arg, cursor):
    assert client.get(f"/?{arg}={cursor}").status_code == 400
    assert client.get(f"/user/member?{arg}={cursor}").status_code == 400


def test_before_walks_back_to_the_newer_posts(app, client, member):
    add_posts(app, member, 7)
    first = client.get("/").get_data(as_text=True)
    second = client.get(next_url(first)).get_data(as_text=True)
    assert titles(second) == ["p3", "p2", "p1"]
    cursor = next_url(second).partition("after=")[2]
    # The page before the last one shown is the one Load more came from.
    back = client.get(f"/?before={cursor}", headers=HX).get_data(as_text=True)
    assert titles(back) == ["p4", "p3", "p2"]


def test_the_canonical_redirect_keeps_the_page(app, client, member):
    add_posts(app, member, 4)
    url = next_url(client.get("/user/member").get_data(as_text=True))
    response = client.get(url.replace("/user/member", "/user/MEMBER"))
    assert response.status_code == 301
    assert response.headers["Location"] == url
