"""Rate limits on sign-in and registration, in memory and in the real Redis on 127.0.0.1:6379.

The limits are made tiny through the config, so nothing waits for a minute to pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from roster.auth import views
from tests.helpers import HX, PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"
NEW_ACCOUNT = {
    "email": "x@example.com",
    "password": "a long enough password",
    "confirm": "a long enough password",
}


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def fail(client, username: str = "member", address: str = "10.0.0.1", **kwargs):
    return client.post(
        "/login",
        data={"username": username, "password": "wrong password"},
        **from_address(address),
        **kwargs,
    )


@pytest.fixture
def limited(make_app, member):
    """A client of an app that allows 3 failed sign-ins a minute (memory storage)."""
    return make_app(LOGIN_RATE_LIMIT="3/minute").test_client()


def test_failed_sign_ins_are_limited_with_a_friendly_message_in_the_form(limited):
    for _ in range(3):
        assert fail(limited).status_code == 422
    response = fail(limited, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert views.TOO_MANY_SIGN_INS in html
    assert '<form id="login-form"' in html
    assert 'value="member"' in html
    assert "<html" not in html
    page = fail(limited)
    assert page.status_code == 429
    assert "<html" in page.get_data(as_text=True)
    assert views.TOO_MANY_SIGN_INS in page.get_data(as_text=True)


def test_past_the_limit_even_the_right_password_waits(limited):
    for _ in range(3):
        fail(limited)
    response = limited.post(
        "/login", data={"username": "member", "password": PASSWORD}, **from_address("10.0.0.1")
    )
    assert response.status_code == 429


def test_the_limit_is_per_username_across_addresses(limited):
    for number in range(3):
        assert fail(limited, "MEMBER", address=f"10.0.1.{number}").status_code == 422
    assert fail(limited, " member ", address="10.0.2.1").status_code == 429
    # Another account from yet another address is not affected.
    assert fail(limited, "someone-else", address="10.0.2.2").status_code == 422


def test_the_limit_is_per_address_across_usernames(limited):
    for number in range(3):
        assert fail(limited, f"name{number}").status_code == 422
    assert fail(limited, "name-new").status_code == 429
    assert fail(limited, "name-other", address="10.9.9.9").status_code == 422


def test_successful_sign_ins_do_not_count(limited):
    for _ in range(5):
        response = limited.post(
            "/login", data={"username": "member", "password": PASSWORD}, **from_address("10.0.0.1")
        )
        assert response.status_code == 303


def test_the_sign_in_form_itself_is_never_limited(limited):
    for _ in range(3):
        fail(limited)
    assert limited.get("/login", **from_address("10.0.0.1")).status_code == 200


def test_registrations_are_limited_per_address(make_app):
    client = make_app(REGISTER_RATE_LIMIT="2/minute").test_client()
    for number in range(2):
        response = client.post("/register", data={**NEW_ACCOUNT, "username": "bad name!"})
        assert response.status_code == 422, number
    response = client.post(
        "/register",
        data={**NEW_ACCOUNT, "username": "valid-name", "email": "valid@example.com"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert views.TOO_MANY_REGISTRATIONS in html
    assert '<form id="register-form"' in html
    assert "<html" not in html


def test_field_checks_are_limited_and_say_so_in_the_field(make_app):
    client = make_app(FIELD_CHECK_RATE_LIMIT="2/minute").test_client()
    for _ in range(2):
        check = client.post("/register/check/email", data=NEW_ACCOUNT, headers=HX)
        assert check.status_code == 200
    response = client.post("/register/check/email", data=NEW_ACCOUNT, headers=HX)
    assert response.status_code == 429
    assert 'id="field-email"' in response.get_data(as_text=True)
    assert views.TOO_MANY_CHECKS in response.get_data(as_text=True)


def test_memory_storage_is_per_process(make_app, member):
    """Without Redis a new worker starts from zero: why production sets REDIS_URL."""
    for _ in range(2):
        fail(make_app(LOGIN_RATE_LIMIT="2/minute").test_client())
    assert fail(make_app(LOGIN_RATE_LIMIT="2/minute").test_client()).status_code == 422


# ---- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"roster-test-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"these tests need Redis on {REDIS_URL}: {error}")
    yield prefix
    for key in server.scan_iter(match=f"*{prefix}*"):
        server.delete(key)
    server.close()


@pytest.fixture
def redis_app(make_app, member, redis_prefix):
    """Builds apps whose limiter uses REDIS_URL, as production does (no explicit storage URI)."""
    return lambda: make_app(
        without=("RATELIMIT_STORAGE_URI",),
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=redis_prefix,
        LOGIN_RATE_LIMIT="2/minute",
    )


def test_with_redis_url_the_counters_live_in_redis(redis_app, redis_prefix):
    client = redis_app().test_client()
    fail(client)
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*")]
    assert any("ip:10.0.0.1" in key for key in keys), keys
    assert any("user:member" in key for key in keys), keys


def test_redis_limits_hold_across_workers(redis_app):
    """Two apps stand for two gunicorn workers: the second sees the first one's failures."""
    first = redis_app().test_client()
    for _ in range(2):
        assert fail(first).status_code == 422
    second = redis_app().test_client()
    response = fail(second, headers=HX)
    assert response.status_code == 429
    assert views.TOO_MANY_SIGN_INS in response.get_data(as_text=True)
