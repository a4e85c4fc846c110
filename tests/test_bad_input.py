"""Inputs anyone can send get a clear 4xx, never a 500; nothing is committed before a failure;
redirects stay on this site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roster.users.models import User
from tests.helpers import fetch, scalar

HTMX = {"HX-Request": "true"}
TOO_BIG = "99999999999999999999"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        # Query arguments named like url_for's own parameters.
        ("/user/MEMBER?username=x", 301),
        ("/user/MEMBER?endpoint=x", 301),
        ("/user/MEMBER?_method=POST", 301),
        ("/user/MEMBER?_anchor=x&_scheme=javascript", 301),
        # Unicode digits, which str.isdigit() accepts and int() does not.
        ("/?before=%C2%B2-1", 400),
        ("/user/member?before=1-%D9%A3", 400),
        ("/users?after=%C2%B2", 400),
        # Ids beyond the column's range.
        (f"/post/{TOO_BIG}", 404),
        (f"/post/{2**31}", 404),
        (f"/users/{TOO_BIG}", 404),
        (f"/users/{TOO_BIG}/edit", 404),
        (f"/?before=1-{TOO_BIG}", 400),
        (f"/users?after={TOO_BIG}", 400),
        (f"/users?before={TOO_BIG}&sort=email", 400),
        # NUL bytes.
        ("/users?q=a%00b", 400),
        ("/user/mem%00ber", 400),
        ("/login?next=/%00", 400),
    ],
)
def test_bad_query_and_path_input_is_a_clear_4xx(admin_client, member, url, status):
    for headers in ({}, HTMX):
        response = admin_client.get(url, headers=headers)
        assert response.status_code == status, url


def test_the_case_redirect_keeps_the_query_and_stays_on_this_site(client, member):
    response = client.get(
        "/user/MEMBER?_external=1&_scheme=https&x=%C3%A9", headers={"Host": "evil.example"}
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "/user/member?_external=1&_scheme=https&x=%C3%A9"


def test_trusted_hosts_refuse_a_forged_host(make_app, member):
    client = make_app(TRUSTED_HOSTS=["roster.example"]).test_client()
    assert client.get("/user/MEMBER", headers={"Host": "evil.example"}).status_code == 400
    good = client.get("/user/MEMBER", headers={"Host": "roster.example"})
    assert good.status_code == 301


def test_a_malformed_hx_current_url_is_ignored(admin_client, member):
    headers = {**HTMX, "HX-Current-URL": "http://[::1/users?q=x"}
    response = admin_client.post(f"/users/{member.id}/delete", headers=headers)
    assert response.status_code == 200
    response = admin_client.post(f"/users/{member.id}/restore", headers=headers)
    assert response.status_code == 200
    assert f'id="user-{member.id}"' in response.get_data(as_text=True)


def test_a_restore_of_an_id_beyond_range_changes_nothing(admin_client):
    assert admin_client.post(f"/users/{TOO_BIG}/restore").status_code == 404


def test_a_profile_save_with_fields_left_out_keeps_them(app, member_client, member):
    version = str(member.version)
    for data in ({}, {"display_name": "x"}, {"email": "new@example.com"}):
        response = member_client.post("/user/member", data=data, headers=HTMX)
        assert response.status_code == 422, data
    data = {"email": "new@example.com", "version": version}
    response = member_client.post("/user/member", data=data, headers=HTMX)
    assert response.status_code == 200
    user = fetch(app, User, member.id)
    # The new address waits for its confirmation link (tests/test_email_verification.py).
    assert (user.email, user.display_name, user.bio) == ("member@example.com", "Mem Ber", "")


@pytest.mark.parametrize("field", ["display_name", "bio"])
def test_a_nul_byte_in_a_text_field_is_refused_and_nothing_is_stored(
    app, member_client, member, field
):
    data = {
        "display_name": "Mem",
        "email": "member@example.com",
        "bio": "",
        "version": str(member.version),
        field: "a\x00b",
    }
    response = member_client.post("/user/member", data=data, headers=HTMX)
    assert response.status_code == 400
    assert "\x00" not in scalar(app, select(getattr(User, field)))


def test_a_nul_byte_in_a_post_is_refused(member_client):
    response = member_client.post("/posts", data={"title": "a\x00", "body": "b"})
    assert response.status_code == 400
