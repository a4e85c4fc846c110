"""Rate limits on sign-in and registration, in memory and in the real Redis on 127.0.0.1:6379.

The limits are made tiny through the config, so nothing waits for a minute to pass.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import request

from roster.auth import limits, views
from tests.helpers import HX, PASSWORD, REDIS_URL, sign_in

# A database number of this run's own (and a key prefix per test) beside other checkouts' runs.
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


def test_the_owner_is_not_locked_out_by_guesses_from_another_address(limited):
    for _ in range(3):
        assert fail(limited, address="10.6.6.6").status_code == 422
    assert fail(limited, address="10.6.6.6").status_code == 429
    response = limited.post(
        "/login", data={"username": "member", "password": PASSWORD}, **from_address("10.0.0.1")
    )
    assert response.status_code == 303


def test_username_and_email_in_any_case_count_as_one_account(make_app, member):
    client = make_app(LOGIN_ACCOUNT_RATE_LIMIT="3/minute").test_client()
    assert fail(client, "member", address="10.0.3.1").status_code == 422
    assert fail(client, "MEMBER@example.com", address="10.0.3.2").status_code == 422
    assert fail(client, " Member ", address="10.0.3.3").status_code == 422
    assert fail(client, "member@EXAMPLE.com", address="10.0.3.4").status_code == 429


def test_an_account_has_a_cap_over_all_addresses(make_app, member):
    client = make_app(
        LOGIN_RATE_LIMIT="3/minute", LOGIN_ACCOUNT_RATE_LIMIT="5/minute"
    ).test_client()
    for number in range(5):
        assert fail(client, address=f"10.0.1.{number}").status_code == 422
    assert fail(client, "member@example.com", address="10.0.2.1").status_code == 429
    # Another account is not affected.
    assert fail(client, "someone-else", address="10.0.2.2").status_code == 422


def test_the_limit_is_per_address_across_usernames(make_app):
    client = make_app(LOGIN_ADDRESS_RATE_LIMIT="3/minute").test_client()
    for number in range(3):
        assert fail(client, f"name{number}").status_code == 422
    assert fail(client, "name-new").status_code == 429
    assert fail(client, "name-other", address="10.9.9.9").status_code == 422


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
def redis_app(make_app, member, redis_prefix):
    """Builds apps whose limiter uses REDIS_URL, as production does (no explicit storage URI)."""
    return lambda: make_app(
        without=("RATELIMIT_STORAGE_URI",),
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=redis_prefix,
        LOGIN_RATE_LIMIT="2/minute",
    )


def test_with_redis_url_the_counters_live_in_redis(redis_app, redis_prefix, member):
    client = redis_app().test_client()
    fail(client)
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*")]
    assert any("ip:10.0.0.1" in key for key in keys), keys
    assert any(f"account:{member.id}|ip:10.0.0.1" in key for key in keys), keys


def test_each_app_counts_under_its_own_key_prefix(make_app, member, redis_prefix):
    """The limiter is one object for every app of a process: the second app's prefix counts."""
    for name in ("first", "second"):
        app = make_app(
            without=("RATELIMIT_STORAGE_URI",),
            REDIS_URL=REDIS_URL,
            RATELIMIT_KEY_PREFIX=f"{redis_prefix}{name}",
        )
    fail(app.test_client())
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*")]
    assert keys
    assert all(f"{redis_prefix}second" in key for key in keys), keys


def test_redis_limits_hold_across_workers(redis_app):
    """Two apps stand for two gunicorn workers: the second sees the first one's failures."""
    first = redis_app().test_client()
    for _ in range(2):
        assert fail(first).status_code == 422
    second = redis_app().test_client()
    response = fail(second, headers=HX)
    assert response.status_code == 429
    assert views.TOO_MANY_SIGN_INS in response.get_data(as_text=True)


def test_a_parallel_burst_gets_no_more_guesses_than_the_limit(make_app, member, redis_prefix):
    """Each attempt is counted before the password is checked, atomically in Redis: 20 guesses
    sent at once get exactly the 5 that the limit allows."""
    app = make_app(
        without=("RATELIMIT_STORAGE_URI",),
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=redis_prefix,
        LOGIN_RATE_LIMIT="5/minute",
    )
    clients = [app.test_client() for _ in range(20)]
    tokens = [client.csrf_token() for client in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client, token: str, number: int) -> None:
        start.wait()
        response = client.post(
            "/login",
            data={"username": "member", "password": f"guess {number}", "csrf_token": token},
            csrf=False,
            **from_address("10.0.0.1"),
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=(client, token, number))
        for number, (client, token) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [422] * 5 + [429] * 15


# ---- Redis gone: limits move to memory, and back ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in_and_register_work(client) -> None:
    """What must keep working without Redis: sign-in, registration and its field checks."""
    response = client.post("/login", data={"username": "member", "password": PASSWORD})
    assert response.status_code == 303
    client.post("/logout")
    check = client.post("/register/check/username", data={"username": "newcomer"}, headers=HX)
    assert check.status_code == 200
    account = {**NEW_ACCOUNT, "username": "newcomer", "email": "newcomer@example.com"}
    assert client.post("/register", data=account).status_code == 303


def test_with_redis_unreachable_everything_works_and_limits_move_to_memory(
    make_app, member, caplog
):
    app = make_app(
        without=("RATELIMIT_STORAGE_URI",),
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        LOGIN_RATE_LIMIT="3/minute",
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        sign_in_and_register_work(client)
    assert "falling back to in-memory storage" in caplog.text
    # Still limited, now per process.
    for _ in range(3):
        assert fail(client).status_code == 422
    assert fail(client).status_code == 429


@pytest.fixture
def own_redis() -> Iterator[Callable[[], None]]:
    """A real Redis server of this test's own on a free port; call the fixture to restart it."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    servers: list[subprocess.Popen] = []

    def start() -> None:
        servers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()

    def stop() -> None:
        servers[-1].terminate()
        servers[-1].wait()

    start()
    own = redis.Redis(port=port)
    own.start, own.stop, own.url = start, stop, f"redis://127.0.0.1:{port}/0"
    yield own
    own.close()
    for server in servers:
        if server.poll() is None:
            server.terminate()
            server.wait()


def test_limits_go_back_to_redis_when_it_returns(make_app, member, own_redis, caplog):
    app = make_app(
        without=("RATELIMIT_STORAGE_URI",),
        REDIS_URL=own_redis.url,
        LOGIN_RATE_LIMIT="3/minute",
        # Only the limiter's keys in this Redis: the session cache would write its own.
        SESSION_CACHE_URL=None,
    )
    client = app.test_client()
    assert fail(client).status_code == 422
    assert own_redis.keys("*")
    own_redis.stop()
    with caplog.at_level(logging.INFO):
        sign_in_and_register_work(client)
        assert "falling back to in-memory storage" in caplog.text
        own_redis.start()
        assert not own_redis.keys("*")
        # Flask-Limiter looks for its storage again after 1, 2, 4 ... 32 seconds (after a long
        # outage on a busy machine, the next look may be half a minute away).
        for attempt in range(100):
            time.sleep(0.5)
            assert fail(client, f"name{attempt}", address=f"10.0.0.{attempt}").status_code == 422
            if own_redis.keys("*"):
                break
    assert "Rate limit storage recovered" in caplog.text
    assert own_redis.keys("*"), "the counters are in Redis again"


# ---- the limit decorators, applied here to a probe view ---------------------------------------


def probe_route(app, decorate) -> str:
    """A view answering ?status= (200 by default), decorated now, on a path of its own."""

    def probe():
        return "", int(request.args.get("status", 200))

    # Flask-Limiter files decorated limits under the view's name: one name per probe.
    probe.__name__ = f"probe_{uuid.uuid4().hex}"
    app.add_url_rule(f"/{probe.__name__}", view_func=decorate(probe), methods=["GET", "POST"])
    return f"/{probe.__name__}"


def test_limit_failures_counts_failed_posts_only(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2/minute")
    path = probe_route(app, limits.limit_failures(("LOGIN_RATE_LIMIT", limits.client_address_key)))
    client = app.test_client()
    for _ in range(5):  # successes give their count back
        assert client.post(path).status_code == 200
    for _ in range(5):  # reads are never counted
        assert client.get(f"{path}?status=422").status_code == 422
    assert [client.post(f"{path}?status=422").status_code for _ in range(3)] == [422, 422, 429]
    # Another address has counts of its own.
    assert client.post(f"{path}?status=422", **from_address("10.9.9.9")).status_code == 422


def test_limit_failed_password_checks_counts_wrong_passwords_only(make_app):
    app = make_app(PASSWORD_CHECK_RATE_LIMIT="2/minute")
    path = probe_route(app, limits.limit_failed_password_checks)
    client = app.test_client()
    for _ in range(5):
        assert client.post(path).status_code == 200
        assert client.get(f"{path}?status=422").status_code == 422
    assert [client.post(f"{path}?status=422").status_code for _ in range(3)] == [422, 422, 429]


def test_limit_failures_counts_under_the_key_it_is_given(make_app):
    """Not the address: two keys from one address have counts of their own."""
    app = make_app(LOGIN_RATE_LIMIT="1/minute")
    path = probe_route(
        app, limits.limit_failures(("LOGIN_RATE_LIMIT", lambda: request.args["who"]))
    )
    client = app.test_client()
    assert client.post(f"{path}?status=422&who=a").status_code == 422
    assert client.post(f"{path}?status=422&who=a").status_code == 429
    assert client.post(f"{path}?status=422&who=b").status_code == 422


def test_limit_failed_password_checks_counts_per_account_not_per_address(
    make_app, make_user, member
):
    """A member's wrong passwords do not hold back another account behind the same address."""
    app = make_app(PASSWORD_CHECK_RATE_LIMIT="1/minute")
    path = probe_route(app, limits.limit_failed_password_checks)
    other = make_user("other")
    clients = {}
    for user in (member, other):
        clients[user.username] = app.test_client()
        sign_in(clients[user.username], user.username)
    first, second = clients[member.username], clients[other.username]
    assert first.post(f"{path}?status=422").status_code == 422
    assert first.post(f"{path}?status=422").status_code == 429
    assert second.post(f"{path}?status=422").status_code == 422


def test_a_count_that_cannot_be_given_back_is_logged_and_the_sign_in_still_works(
    make_app, member, monkeypatch, caplog
):
    """The storage fails between counting and giving back: the user is signed in all the
    same, and the operator sees why one attempt stays counted."""
    app = make_app(LOGIN_RATE_LIMIT="3/minute")
    strategy = limits.limiter.limiter
    counting = strategy.hit

    def failing_give_back(item, *identifiers, cost=1):
        if cost < 0:
            raise ConnectionError("the storage went away")
        return counting(item, *identifiers, cost=cost)

    monkeypatch.setattr(strategy, "hit", failing_give_back)
    with caplog.at_level(logging.WARNING, logger=limits.log.name):
        response = app.test_client().post(
            "/login", data={"username": "member", "password": PASSWORD}
        )
    assert response.status_code == 303
    records = [r for r in caplog.records if r.name == limits.log.name]
    assert len(records) == 3  # one for each limit a sign-in counts against
    for record in records:
        assert record.getMessage() == "could not give back a sign-in attempt"
        assert record.levelno == logging.WARNING
        assert isinstance(record.exc_info[1], ConnectionError)
