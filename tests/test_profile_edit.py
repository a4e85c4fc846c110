"""Click-to-edit profile: only the owner may, errors stay in place, the nav follows the name."""

from __future__ import annotations

import pytest

from roster.users import policy
from roster.users.models import User
from tests.helpers import HX, fetch, find, sign_in, text_of

GOOD = {"display_name": "Memory Berry", "email": "memory@example.com", "bio": "Line 1\r\nLine 2"}


def reload(app, user: User) -> User:
    return fetch(app, User, user.id)


@pytest.fixture
def good(app, member) -> dict[str, str]:
    """GOOD, made on the member's current version (as the edit form sends it)."""
    return {**GOOD, "version": str(reload(app, member).version)}


def test_the_owner_sees_edit_on_the_card_and_others_do_not(client, member, make_user):
    edit = 'data-testid="edit-profile"'
    assert edit not in client.get("/user/member").get_data(as_text=True)
    make_user("other")
    sign_in(client, "other")
    assert edit not in client.get("/user/member").get_data(as_text=True)
    sign_in(client, "member")
    html = client.get("/user/member").get_data(as_text=True)
    assert edit in html
    assert 'href="/user/member/edit"' in html


def test_the_edit_form_is_a_fragment_for_htmx_and_a_page_without(member_client):
    fragment = member_client.get("/user/member/edit", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert 'id="profile-form"' in html
    assert 'value="member@example.com"' in html
    assert "<html" not in html
    page = member_client.get("/user/member/edit").get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert 'id="profile-form"' in page


def test_the_bio_counter_shows_the_limit_without_javascript(member_client):
    html = member_client.get("/user/member/edit", headers=HX).get_data(as_text=True)
    assert 'data-counter="bio-counter"' in html
    assert 'maxlength="500"' in html
    assert "Up to 500 characters." in html


def test_cancel_restores_the_card_from_the_profile(member_client):
    html = member_client.get("/user/member/edit", headers=HX).get_data(as_text=True)
    assert 'hx-get="/user/member"' in html
    assert 'hx-select="#profile-card"' in html


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_saving_with_htmx_swaps_back_the_card_and_the_nav(app, member_client, member, method, good):
    response = member_client.open("/user/member", method=method, data=good, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="profile-card"' in html
    assert 'id="profile-form"' not in html
    oob = find(html, '[hx-swap-oob="innerHTML:#site-nav"]')
    assert text_of(find(oob, '[data-testid="nav-user"]')) == "Memory Berry"
    saved = reload(app, member)
    # A new address waits for its confirmation link (tests/test_email_verification.py).
    assert (saved.display_name, saved.email, saved.bio) == (
        "Memory Berry",
        "member@example.com",
        "Line 1\nLine 2",
    )


def test_saving_without_javascript_redirects_to_the_profile(app, member_client, member, good):
    response = member_client.post("/user/member", data=good)
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/member"
    assert reload(app, member).display_name == "Memory Berry"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, policy.EMAIL_MESSAGE),
        ({"email": ""}, "This field is required."),
        ({"bio": "x" * 501}, "Field cannot be longer than 500 characters."),
        ({"display_name": "n" * 65}, policy.DISPLAY_NAME_MESSAGE),
        ({"display_name": "line\nbreak"}, policy.DISPLAY_NAME_MESSAGE),
    ],
)
def test_invalid_input_is_shown_in_the_form_and_nothing_is_saved(
    app, member_client, member, change, message, good
):
    response = member_client.put("/user/member", data={**good, **change}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="profile-form"' in html
    assert message in html
    assert reload(app, member).email == "member@example.com"


def test_an_email_another_account_has_is_a_form_error(app, member_client, member, make_user, good):
    make_user("other", email="taken@example.com")
    response = member_client.put(
        "/user/member", data={**good, "email": "TAKEN@example.com"}, headers=HX
    )
    assert response.status_code == 422
    assert policy.EMAIL_TAKEN in response.get_data(as_text=True)
    assert reload(app, member).email == "member@example.com"


def test_keeping_ones_own_email_is_fine(app, member_client, member, good):
    data = {**good, "email": "MEMBER@example.com"}
    assert member_client.put("/user/member", data=data, headers=HX).status_code == 200
    assert reload(app, member).email == "MEMBER@example.com"


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_nobody_else_can_open_or_save_the_form(app, client, member, make_user, headers, good):
    make_user("other")
    sign_in(client, "other")
    assert client.get("/user/member/edit", headers=headers).status_code == 403
    assert client.put("/user/member", data=good, headers=headers).status_code == 403
    assert client.post("/user/member", data=good, headers=headers).status_code == 403
    assert reload(app, member).display_name == "Mem Ber"


def test_anonymous_users_are_sent_to_sign_in(app, client, member, good):
    response = client.get("/user/member/edit")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/user/member/edit"
    htmx = client.put("/user/member", data=good, headers=HX)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")
    assert client.post("/user/member", data=good).status_code == 303
    assert reload(app, member).display_name == "Mem Ber"


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_a_missing_or_forged_csrf_token_changes_nothing(app, member_client, member, token, good):
    headers = {**HX, **({"X-CSRFToken": token} if token else {})}
    response = member_client.put("/user/member", data=good, headers=headers, csrf=False)
    assert response.status_code == 400
    assert reload(app, member).display_name == "Mem Ber"


def test_the_bio_is_text_never_html(member_client, good):
    member_client.put("/user/member", data={**good, "bio": "<script>x()</script>"}, headers=HX)
    html = member_client.get("/user/member").get_data(as_text=True)
    assert "<script>x()</script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
