"""Every page is a full page, or only its fragment when htmx asks for one."""

from __future__ import annotations

import pytest

from roster.posts.models import Post
from roster.users.models import utcnow
from tests.helpers import HX, HX_BOOSTED, HX_FULL, HX_HISTORY_RESTORE, is_full_page, save


@pytest.fixture
def post(app, member):
    return save(app, Post(author_id=member.id, title="Hello world", body="First line\nSecond line"))


@pytest.fixture
def routes(member, post):
    """Each public GET route with a text only its fragment shows."""
    return {
        "/": "Latest posts",
        "/about": "About Roster",
        f"/user/{member.username}": "Mem Ber",
        f"/post/{post.id}": "Hello world",
    }


def test_plain_requests_get_full_pages(client, routes):
    for url, text in routes.items():
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert is_full_page(html), url
        assert text in html
        assert 'id="site-nav"' in html


def test_htmx_requests_get_only_the_fragment(client, routes):
    for url, text in routes.items():
        response = client.get(url, headers=HX)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert text in html, url
        assert not is_full_page(html), url
        assert "<html" not in html
        assert 'id="site-nav"' not in html


@pytest.mark.parametrize(
    "headers",
    [
        {"HX-History-Restore-Request": "true"},
        HX_HISTORY_RESTORE,
        HX_BOOSTED,
        HX_FULL,
    ],
    ids=["history-restore", "history-restore-htmx", "boosted", "request-type-full"],
)
def test_boosted_history_and_full_requests_get_full_pages(client, routes, headers):
    for url in routes:
        assert is_full_page(client.get(url, headers=headers).get_data(as_text=True)), url


def test_every_page_varies_on_the_htmx_headers(client, routes):
    for url in routes:
        for headers in ({}, HX):
            vary = client.get(url, headers=headers).headers["Vary"]
            for name in ("HX-Request", "HX-Boosted", "HX-History-Restore-Request"):
                assert name in vary, (url, vary)


@pytest.mark.parametrize("url", ["/user/nobody", "/post/424242", "/no/such/page"])
def test_missing_things_are_404_as_page_and_as_fragment(client, url):
    page = client.get(url)
    assert page.status_code == 404
    assert is_full_page(page.get_data(as_text=True))
    assert 'data-status="404"' in page.get_data(as_text=True)

    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 404
    assert 'data-status="404"' in fragment.get_data(as_text=True)
    assert not is_full_page(fragment.get_data(as_text=True))


def test_a_non_integer_post_id_never_reaches_the_view(client):
    assert client.get("/post/abc").status_code == 404
    assert client.get("/post/1.5").status_code == 404


def test_profile_lookup_ignores_case_and_redirects_to_the_stored_spelling(client, make_user):
    make_user("MixedCase")
    response = client.get("/user/mixedcase")
    assert response.status_code == 301
    assert response.headers["Location"] == "/user/MixedCase"
    assert client.get("/user/MixedCase").status_code == 200


def test_profile_shows_the_users_posts_newest_first(app, client, member):
    for title in ("older", "newer"):
        save(app, Post(author_id=member.id, title=title, body="text"))
    html = client.get(f"/user/{member.username}").get_data(as_text=True)
    assert html.index("newer") < html.index("older")


def test_post_body_is_escaped_and_keeps_line_breaks(app, client, member):
    post = save(
        app, Post(author_id=member.id, title="<b>t</b>", body="<script>alert(1)</script>\nline")
    )
    html = client.get(f"/post/{post.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html


def test_deleted_and_inactive_users_have_no_profile(client, make_user):
    make_user("present")
    make_user("sleepy", is_active=False)
    make_user("gone", deleted_at=utcnow())
    assert client.get("/user/present").status_code == 200
    for username in ("sleepy", "gone", "SLEEPY", "Gone"):
        assert client.get(f"/user/{username}").status_code == 404, username
        assert client.get(f"/user/{username}", headers=HX).status_code == 404, username


def test_server_error_rolls_back_and_renders_the_error_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = client.get("/boom")
    assert page.status_code == 500
    assert 'data-status="500"' in page.get_data(as_text=True)
    fragment = client.get("/boom", headers=HX)
    assert fragment.status_code == 500
    assert not is_full_page(fragment.get_data(as_text=True))
