"""Conditional requests on the user table: a repeat with nothing changed is a 304 that renders
nothing; any change to the users, the viewer, the session or the kind of answer renders afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from roster.extensions import db
from roster.users.models import User
from roster.users.policy import Role
from tests.helpers import HX, HX_BOOSTED, change, counted_queries, row_ids, sign_in


def etag_of(client, url: str = "/users", headers: dict[str, str] | None = None) -> str:
    """The validator of a fresh answer (a first request may still show a flashed message)."""
    client.get(url, headers=headers or {})
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    return response.headers["ETag"]


def again(client, etag: str, url: str = "/users", headers: dict[str, str] | None = None):
    return client.get(url, headers={**(headers or {}), "If-None-Match": etag})


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_a_repeat_with_nothing_changed_is_a_304_from_one_statement(
    app, admin_client, member, headers
):
    etag = etag_of(admin_client, headers=headers)
    with counted_queries(app) as statements:
        response = again(admin_client, etag, headers=headers)
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert {"HX-Request", "HX-Boosted"} <= set(response.vary)
    # The session lookup reads the table's version too: no rows, no count, no template.
    assert len(statements) == 1, statements


def test_a_compressed_answers_tag_matches_too(admin_client):
    etag = etag_of(admin_client, headers={"Accept-Encoding": "gzip"})
    assert etag.endswith(':gzip"')
    assert again(admin_client, etag).status_code == 304


def test_a_change_to_any_user_renders_afresh(app, admin_client, member):
    etag = etag_of(admin_client)
    change(app, User, member.id, display_name="Someone Else")
    response = again(admin_client, etag)
    assert response.status_code == 200
    assert "Someone Else" in response.get_data(as_text=True)
    assert response.headers["ETag"] != etag


def test_a_write_past_the_orm_changes_the_version_too(app, admin_client, member):
    """The version is kept by trigger: raw SQL (a script, a bulk UPDATE) cannot forget it."""
    etag = etag_of(admin_client)
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET display_name = 'Raw' WHERE id = :id"), {"id": member.id}
        )
        db.session.commit()
    assert again(admin_client, etag).status_code == 200


def test_a_page_and_a_fragment_have_their_own_validators(admin_client):
    page, fragment = etag_of(admin_client), etag_of(admin_client, headers=HX)
    assert page != fragment
    assert again(admin_client, page, headers=HX).status_code == 200
    assert again(admin_client, fragment).status_code == 200
    assert again(admin_client, fragment, headers=HX_BOOSTED).status_code == 200


def test_another_viewer_never_gets_this_viewers_answer(app, admin_client, make_user, moderator):
    etag = etag_of(admin_client)
    other_admin = app.test_client()
    make_user("second", role=Role.admin)
    sign_in(other_admin, "second")
    etag = etag_of(admin_client)  # after the new user: the version moved
    assert again(other_admin, etag).status_code == 200
    reader = app.test_client()
    sign_in(reader, moderator.username)
    assert again(reader, etag).status_code == 200


def test_another_session_of_the_same_user_renders_its_own_csrf_token(app, admin_client, admin):
    etag = etag_of(admin_client)
    second_browser = app.test_client()
    sign_in(second_browser, admin.username)
    assert again(second_browser, etag).status_code == 200


def test_another_url_is_another_answer(admin_client, member):
    etag = etag_of(admin_client)
    assert again(admin_client, etag, url="/users?sort=username").status_code == 200
    response = again(admin_client, etag_of(admin_client, "/users?q=mem"), url="/users?q=mem")
    assert response.status_code == 304


def test_a_revoked_session_gets_no_304(app, admin_client, admin):
    etag = etag_of(admin_client)
    other = app.test_client()
    sign_in(other, admin.username)
    other.post("/account/sessions/revoke-others")
    response = again(admin_client, etag)
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


def test_a_waiting_flash_message_is_rendered_not_skipped(app, admin_client, member):
    etag = etag_of(admin_client)
    with admin_client.session_transaction() as session:
        session["_flashes"] = [("success", "Hello there")]
    response = again(admin_client, etag)
    assert response.status_code == 200
    assert "Hello there" in response.get_data(as_text=True)


def test_a_stale_tag_gets_the_table(admin_client, member, admin):
    response = again(admin_client, '"not-a-tag"', headers=HX)
    assert response.status_code == 200
    assert sorted(row_ids(response)) == sorted([member.id, admin.id])
