"""Post lists page by keyset on (created_at, id): Load more never repeats or skips a post."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from roster.extensions import db
from roster.pagination import encode
from roster.posts.models import Post

HTMX = {"HX-Request": "true"}
START = datetime(2026, 1, 1, tzinfo=UTC)
NEXT_LINK = re.compile(r'<a class="button load-more"\s+href="([^"]+)"\s+hx-get="([^"]+)"')
TITLES = re.compile(
    r'data-testid="post-card">\s*<h3>\s*<a href="/post/\d+"\s*(?:autofocus)?>([^<]+)</a>'
)


@pytest.fixture(autouse=True)
def small_pages(app):
    app.config["POSTS_PER_PAGE"] = 3


def add_posts(author, count, *, first=0, same_time=False):
    """Posts 'p<first>'.. , each a minute newer than the one before (or all at one moment)."""
    for n in range(first, first + count):
        created = START if same_time else START + timedelta(minutes=n)
        db.session.add(Post(author_id=author.id, title=f"p{n}", body="text", created_at=created))
    db.session.commit()


def titles(html):
    return TITLES.findall(html)


def next_url(html):
    match = NEXT_LINK.search(html)
    if match is None:
        return None
    href, hx_get = (part.replace("&amp;", "&") for part in match.groups())
    assert href == hx_get, "the link works without JavaScript and with htmx alike"
    return href


def read_all(client, url, headers=None):
    """Follow Load more to the end: the titles of every page, in order."""
    pages = []
    while url:
        html = client.get(url, headers=headers).get_data(as_text=True)
        pages.append(titles(html))
        url = next_url(html)
    return pages


@pytest.mark.parametrize("list_url", ["/", "/user/member"])
def test_load_more_walks_every_post_once_newest_first(client, member, list_url):
    add_posts(member, 7)
    pages = read_all(client, list_url, headers=HTMX)
    assert pages == [["p6", "p5", "p4"], ["p3", "p2", "p1"], ["p0"]]


@pytest.mark.parametrize("list_url", ["/", "/user/member"])
def test_the_last_page_has_no_load_more(client, member, list_url):
    add_posts(member, 3)
    html = client.get(list_url).get_data(as_text=True)
    assert titles(html) == ["p2", "p1", "p0"]
    assert 'data-testid="load-more"' not in html


def test_posts_added_between_requests_are_neither_repeated_nor_skipped(client, member):
    add_posts(member, 6)
    first = client.get("/").get_data(as_text=True)
    assert titles(first) == ["p5", "p4", "p3"]
    add_posts(member, 4, first=100)  # newer than everything shown so far
    rest = read_all(client, next_url(first), headers=HTMX)
    assert rest == [["p2", "p1", "p0"]]


def test_deleting_the_post_a_page_ended_on_does_not_break_the_next_page(client, member):
    add_posts(member, 6)
    first = client.get("/").get_data(as_text=True)
    db.session.delete(db.session.scalar(db.select(Post).where(Post.title == "p3")))
    db.session.commit()
    assert read_all(client, next_url(first)) == [["p2", "p1", "p0"]]


def test_posts_created_at_the_same_moment_are_ordered_by_id(client, member):
    add_posts(member, 5, same_time=True)
    assert read_all(client, "/", headers=HTMX) == [["p4", "p3", "p2"], ["p1", "p0"]]


def test_without_javascript_the_next_page_is_a_full_page(client, member):
    add_posts(member, 4)
    url = next_url(client.get("/user/member").get_data(as_text=True))
    assert url.startswith("/user/member?after=")
    page = client.get(url).get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert 'data-testid="profile-card"' in page
    assert titles(page) == ["p0"]


def test_htmx_load_more_answers_with_only_the_next_posts(client, member):
    add_posts(member, 4)
    url = next_url(client.get("/").get_data(as_text=True))
    fragment = client.get(url, headers=HTMX).get_data(as_text=True)
    assert titles(fragment) == ["p0"]
    assert "<html" not in fragment
    assert "Latest posts" not in fragment
    assert 'id="post-list"' not in fragment


def test_a_later_page_puts_the_focus_on_its_first_post(client, member):
    add_posts(member, 5)
    first = client.get("/").get_data(as_text=True)
    assert "autofocus" not in first
    fragment = client.get(next_url(first), headers=HTMX).get_data(as_text=True)
    assert fragment.count("autofocus") == 1
    assert fragment.index("autofocus") < fragment.index("p1<")


def test_profiles_page_only_their_authors_posts(client, member, make_user):
    other = make_user("other")
    add_posts(member, 4)
    add_posts(other, 4, first=50)
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


def test_before_walks_back_to_the_newer_posts(client, member):
    add_posts(member, 7)
    first = client.get("/").get_data(as_text=True)
    second = client.get(next_url(first)).get_data(as_text=True)
    assert titles(second) == ["p3", "p2", "p1"]
    cursor = next_url(second).partition("after=")[2]
    # The page before the last one shown is the one Load more came from.
    back = client.get(f"/?before={cursor}", headers=HTMX).get_data(as_text=True)
    assert titles(back) == ["p4", "p3", "p2"]


def test_the_canonical_redirect_keeps_the_page(client, member):
    add_posts(member, 4)
    url = next_url(client.get("/user/member").get_data(as_text=True))
    response = client.get(url.replace("/user/member", "/user/MEMBER"))
    assert response.status_code == 301
    assert response.headers["Location"] == url
