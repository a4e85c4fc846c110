"""Writing, editing and deleting posts: only one's own, never without the CSRF token."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from lxml.html import HtmlElement
from sqlalchemy import func, select

from roster.posts.models import Post
from roster.users.models import User, utcnow
from tests.helpers import (
    HX,
    change,
    fetch,
    find,
    find_all,
    save,
    scalar,
    sign_in,
    text_of,
    texts,
)

NEW = {"title": "Fresh news", "body": "Line one\r\nLine two"}
CHANGED = {"title": "Changed title", "body": "Changed body"}


@pytest.fixture
def post(app, member):
    return save(app, Post(author_id=member.id, title="Original", body="Original body"))


@pytest.fixture
def other_client(client, make_user):
    make_user("other")
    sign_in(client, "other")
    return client


def post_count(app) -> int:
    return scalar(app, select(func.count()).select_from(Post))


def stored(app, post_id: int) -> Post | None:
    return fetch(app, Post, post_id)


# Writing


def test_the_owner_gets_the_write_form_on_their_profile_and_nobody_else(client, member, make_user):
    form = 'id="new-post-form"'
    assert form not in client.get("/user/member").get_data(as_text=True)
    sign_in(client, "member")
    assert form in client.get("/user/member").get_data(as_text=True)
    make_user("other")
    assert form not in client.get("/user/other").get_data(as_text=True)


def test_writing_with_htmx_answers_with_the_posts_section(app, member_client, member):
    response = member_client.post("/posts", data=NEW, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fresh news" in html
    assert 'data-testid="post-count">1 post<' in html
    assert 'id="new-post-form"' in html
    assert 'value="Fresh news"' not in html, "the form is empty again"
    assert "<html" not in html
    post = scalar(app, select(Post))
    assert (post.author_id, post.title, post.body) == (
        member.id,
        "Fresh news",
        "Line one\nLine two",
    )


def test_writing_without_javascript_redirects_to_the_profile(member_client):
    response = member_client.post("/posts", data=NEW)
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/member"
    assert "Fresh news" in member_client.get("/user/member").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "body": "text"}, "This field is required."),
        ({"title": "   ", "body": "text"}, "This field is required."),
        ({"title": "t", "body": ""}, "This field is required."),
        ({"title": "t" * 121, "body": "text"}, "Field cannot be longer than 120 characters."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_an_invalid_post_shows_errors_and_is_not_saved(app, member_client, data, message, headers):
    response = member_client.post("/posts", data=data, headers=headers)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert post_count(app) == 0


def test_anonymous_users_cannot_write(app, client):
    response = client.post("/posts", data=NEW)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert post_count(app) == 0


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_writing_without_a_valid_csrf_token_does_nothing(app, member_client, token):
    headers = {**HX, **({"X-CSRFToken": token} if token else {})}
    response = member_client.post("/posts", data=NEW, headers=headers, csrf=False)
    assert response.status_code == 400
    form_token = member_client.post("/posts", data={**NEW, "csrf_token": "forged"}, csrf=False)
    assert form_token.status_code == 400
    assert post_count(app) == 0


@pytest.mark.parametrize("url", ["/user/member", "/", "post"])
def test_a_script_in_a_post_is_shown_as_text(app, member_client, url):
    member_client.post("/posts", data={"title": "<b>bold</b>", "body": "<script>alert(1)</script>"})
    if url == "post":
        url = f"/post/{scalar(app, select(Post.id))}"
    html = member_client.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


# Editing


def test_the_author_sees_edit_and_delete_on_the_post_and_nobody_else(client, post, make_user):
    actions = 'id="post-actions-'
    assert actions not in client.get(f"/post/{post.id}").get_data(as_text=True)
    make_user("other")
    sign_in(client, "other")
    assert actions not in client.get(f"/post/{post.id}").get_data(as_text=True)
    sign_in(client, "member")
    assert actions in client.get(f"/post/{post.id}").get_data(as_text=True)


def test_the_edit_form_holds_the_post(member_client, post):
    fragment = member_client.get(f"/post/{post.id}/edit", headers=HX).get_data(as_text=True)
    assert f'id="post-form-{post.id}"' in fragment
    assert 'value="Original"' in fragment
    assert "Original body</textarea>" in fragment
    assert "<html" not in fragment
    page = member_client.get(f"/post/{post.id}/edit").get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_saving_with_htmx_swaps_back_the_post(app, member_client, post, method):
    response = member_client.open(f"/post/{post.id}", method=method, data=CHANGED, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<article class="post" id="post-{post.id}"' in html
    assert "Changed title" in html
    assert "<html" not in html
    assert (stored(app, post.id).title, stored(app, post.id).body) == (
        "Changed title",
        "Changed body",
    )


def test_saving_without_javascript_redirects_to_the_post(app, member_client, post):
    response = member_client.post(f"/post/{post.id}", data=CHANGED)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/post/{post.id}"
    assert stored(app, post.id).title == "Changed title"


def test_an_invalid_edit_shows_errors_in_place_and_changes_nothing(app, member_client, post):
    response = member_client.put(f"/post/{post.id}", data={"title": "", "body": "x"}, headers=HX)
    assert response.status_code == 422
    assert f'id="post-form-{post.id}"' in response.get_data(as_text=True)
    assert stored(app, post.id).body == "Original body"


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_nobody_else_can_edit_a_post(app, other_client, post, headers):
    assert other_client.get(f"/post/{post.id}/edit", headers=headers).status_code == 403
    assert other_client.put(f"/post/{post.id}", data=CHANGED, headers=headers).status_code == 403
    assert other_client.post(f"/post/{post.id}", data=CHANGED, headers=headers).status_code == 403
    assert stored(app, post.id).title == "Original"


def test_anonymous_users_cannot_edit(app, client, post):
    assert client.get(f"/post/{post.id}/edit").status_code == 303
    assert client.put(f"/post/{post.id}", data=CHANGED, headers=HX).status_code == 401
    assert client.post(f"/post/{post.id}", data=CHANGED).status_code == 303
    assert stored(app, post.id).title == "Original"


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_editing_without_a_valid_csrf_token_does_nothing(app, member_client, post, token):
    headers = {**HX, **({"X-CSRFToken": token} if token else {})}
    response = member_client.put(f"/post/{post.id}", data=CHANGED, headers=headers, csrf=False)
    assert response.status_code == 400
    assert stored(app, post.id).title == "Original"


def test_editing_a_missing_post_is_404(member_client):
    assert member_client.get("/post/999/edit").status_code == 404
    assert member_client.put("/post/999", data=CHANGED).status_code == 404


# Deleting


def test_delete_asks_first_in_an_accessible_confirm(app, member_client, post):
    html = member_client.get(f"/post/{post.id}/delete", headers=HX).get_data(as_text=True)
    assert 'role="alertdialog"' in html
    assert f'aria-labelledby="delete-confirm-{post.id}-title"' in html
    assert f'hx-delete="/post/{post.id}"' in html
    assert f'action="/post/{post.id}/delete"' in html
    assert "autofocus" in html
    assert stored(app, post.id) is not None, "asking deletes nothing"
    page = member_client.get(f"/post/{post.id}/delete").get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert f'action="/post/{post.id}/delete"' in page, "works without JavaScript"


def undo_form(page) -> HtmlElement:
    """The Undo button's form in the page's toast."""
    return find(page, '[data-testid="toast"] form:has([data-testid="toast-action"])')


def test_deleting_with_htmx_loads_the_profile_in_place_of_the_post_with_undo(
    app, member_client, post
):
    response = member_client.delete(f"/post/{post.id}", headers=HX)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ""
    # The post's page is gone: the profile takes its history entry, without a reload.
    assert json.loads(response.headers["HX-Location"]) == {
        "path": "/user/member",
        "target": "body",
        "replace": "true",
    }
    assert stored(app, post.id).deleted_at is not None, "kept for Undo"
    profile = member_client.get("/user/member")
    assert find_all(profile, f"#post-{post.id}") == []
    assert text_of(find(profile, '[data-testid="post-count"]')) == "0 posts"
    toast = find(profile, '[data-testid="toast"]')
    assert "Your post “Original” is deleted. Undo" in text_of(toast)
    undo = undo_form(profile)
    restore = f"/post/{post.id}/restore?next=/user/member"
    assert (undo.get("action"), undo.get("method"), undo.get("hx-post")) == (
        restore,
        "post",
        restore,
    )
    assert undo.get("hx-target") == "#main"
    assert member_client.get(f"/post/{post.id}").status_code == 404


def test_undo_with_htmx_brings_the_post_back_in_place(app, member_client, post):
    member_client.delete(f"/post/{post.id}", headers=HX)
    member_client.get("/user/member")  # the toast is shown, and its Undo clicked
    response = member_client.post(f"/post/{post.id}/restore?next=%2Fuser%2Fmember", headers=HX)
    assert json.loads(response.headers["HX-Location"])["path"] == "/user/member"
    assert stored(app, post.id).deleted_at is None
    profile = member_client.get("/user/member")
    assert find_all(profile, f"#post-{post.id}")
    assert "“Original” is back." in texts(profile, '[data-testid="toast"]')[0]
    assert member_client.get(f"/post/{post.id}").status_code == 200


def test_deleting_and_undoing_without_javascript(app, member_client, post):
    response = member_client.post(f"/post/{post.id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/member"
    undo = undo_form(member_client.get("/user/member"))
    assert member_client.get(f"/post/{post.id}").status_code == 404
    response = member_client.post(undo.get("action"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/member"
    assert stored(app, post.id).deleted_at is None
    assert find_all(member_client.get("/user/member"), f"#post-{post.id}")


@pytest.mark.parametrize(
    ("came_from", "back"),
    [
        ("http://localhost/", "/"),
        ("http://localhost/?after=WzFd", "/?after=WzFd"),
        ("http://localhost/user/member", "/user/member"),
        # Not a list of posts, another site, a trick or the post itself: the author's profile.
        ("http://localhost/about", "/user/member"),
        ("http://localhost/account/sessions", "/user/member"),
        ("https://evil.example/", "/user/member"),
        ("http://localhost//evil.example/", "/user/member"),
        ("http://localhost/\\evil.example", "/user/member"),
        ("javascript:alert(1)", "/user/member"),
        ("http://localhost/post/{id}", "/user/member"),
        ("http://localhost/no/such/page", "/user/member"),
        (None, "/user/member"),
    ],
)
def test_delete_goes_back_to_the_list_the_post_was_found_on(
    app, member_client, post, came_from, back
):
    """The post page remembers the list it was opened from (its Referer), through the
    confirmation, for the delete to go back there."""
    headers = {"Referer": came_from.format(id=post.id)} if came_from else {}
    page = member_client.get(f"/post/{post.id}", headers=headers)
    confirm_url = find(page, '[data-testid="delete-post"]').get("hx-get")
    confirm = member_client.get(confirm_url, headers=HX)
    form = find(confirm, "form.confirm-actions")
    response = member_client.delete(form.get("hx-delete"), headers=HX)
    assert json.loads(response.headers["HX-Location"])["path"] == back
    member_client.post(f"/post/{post.id}/restore")
    response = member_client.post(form.get("action"))
    assert response.headers["Location"] == back


def test_a_forged_next_is_not_followed(member_client, post):
    response = member_client.post(f"/post/{post.id}/delete?next=https://evil.example/")
    assert response.headers["Location"] == "/user/member"
    response = member_client.post(f"/post/{post.id}/restore?next=//evil.example/")
    assert response.headers["Location"] == "/user/member"


def test_a_deleted_post_is_gone_from_every_list_and_page(app, member_client, moderator, post):
    save(app, Post(author_id=post.author_id, title="Still here", body="Kept"))
    change(app, Post, post.id, deleted_at=utcnow())
    staff = app.test_client()
    sign_in(staff, moderator.username)
    for viewer in (app.test_client(), member_client, staff):
        for url in ("/", "/user/member"):
            html = viewer.get(url).get_data(as_text=True)
            assert "Still here" in html
            assert "Original" not in html
        assert viewer.get(f"/post/{post.id}").status_code == 404
    assert "Original" not in staff.get(f"/users/{post.author_id}/details").get_data(as_text=True)
    # Deleted is deleted: no moderation, edit or second delete reaches it.
    assert staff.post(f"/post/{post.id}/hide", data={"reason": "spam"}).status_code == 404
    assert member_client.get(f"/post/{post.id}/edit").status_code == 404
    assert member_client.delete(f"/post/{post.id}", headers=HX).status_code == 404


def test_restoring_a_post_that_is_not_deleted_changes_nothing(app, member_client, post):
    before = stored(app, post.id).updated_at
    assert member_client.post(f"/post/{post.id}/restore").status_code == 303
    assert stored(app, post.id).updated_at == before


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_nobody_else_can_restore_a_post(app, other_client, post, headers):
    change(app, Post, post.id, deleted_at=utcnow())
    assert other_client.post(f"/post/{post.id}/restore", headers=headers).status_code == 403
    assert stored(app, post.id).deleted_at is not None
    assert other_client.post("/post/9999/restore", headers=headers).status_code == 404


def test_purge_deleted_removes_posts_deleted_long_enough_ago(app, runner, member, post):
    recent = save(app, Post(author_id=member.id, title="Recent", body="x", deleted_at=utcnow()))
    change(app, Post, post.id, deleted_at=utcnow() - timedelta(days=31))
    result = runner.invoke(args=["purge-deleted", "--older-than-days", "30"])
    assert "Purged 1 deleted post." in result.output
    assert stored(app, post.id) is None
    assert stored(app, recent.id) is not None


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_nobody_else_can_delete_a_post(app, other_client, post, headers):
    assert other_client.get(f"/post/{post.id}/delete", headers=headers).status_code == 403
    assert other_client.delete(f"/post/{post.id}", headers=headers).status_code == 403
    assert other_client.post(f"/post/{post.id}/delete", headers=headers).status_code == 403
    assert stored(app, post.id) is not None


def test_anonymous_users_cannot_delete(app, client, post):
    assert client.delete(f"/post/{post.id}", headers=HX).status_code == 401
    assert client.post(f"/post/{post.id}/delete").status_code == 303
    assert stored(app, post.id) is not None


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_deleting_without_a_valid_csrf_token_does_nothing(app, member_client, post, token):
    headers = {**HX, **({"X-CSRFToken": token} if token else {})}
    assert member_client.delete(f"/post/{post.id}", headers=headers, csrf=False).status_code == 400
    forged_field = member_client.post(
        f"/post/{post.id}/delete", data={"csrf_token": "forged"}, csrf=False
    )
    assert forged_field.status_code == 400
    assert stored(app, post.id) is not None


HIDDEN = {"deleted": {"deleted_at": utcnow()}, "inactive": {"is_active": False}}


@pytest.mark.parametrize("hide", HIDDEN)
def test_posts_of_deleted_or_inactive_authors_are_not_shown(app, client, member, post, hide):
    change(app, User, member.id, **HIDDEN[hide])
    assert client.get("/user/member").status_code == 404
    assert client.get(f"/post/{post.id}").status_code == 404
    assert "Original" not in client.get("/").get_data(as_text=True)
