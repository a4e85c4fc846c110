"""Races for real: a gunicorn with 4 workers on PostgreSQL, two requests fired at the same moment.

Each race is tried many times: no answer is a 5xx, no accepted save is lost (it is what the
database holds, or the other request was told of a conflict), and an active admin always
remains. Runs with `--db=postgres` (skipped otherwise); the deterministic versions of these
races, on both engines, are in test_conflicts.py and test_last_admin.py.
"""

from __future__ import annotations

import http.cookiejar
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from roster import create_app
from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.users.models import User, utcnow
from roster.users.service import NewUser, create_user
from tests.conftest import base_config
from tests.helpers import (
    HX,
    PASSWORD,
    csrf_token,
    edit_data,
    empty_postgres,
    fetch,
    profile_data,
    scalar,
)
from tests.test_proxy_headers import free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")
TRIALS = 20


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One browser's cookies; `tab()` is another tab of the same browser (the same session)."""

    def __init__(self, base: str, jar: http.cookiejar.CookieJar | None = None) -> None:
        self.base = base
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies, NoRedirects)
        self.token = ""

    def tab(self) -> Browser:
        other = Browser(self.base, self.jar)
        other.token = self.token
        return other

    def open(
        self, method: str, path: str, data: dict[str, str] | None = None, *, htmx: bool = True
    ) -> Answer:
        """One request (htmx's, unless told otherwise); any answer, redirects not followed."""
        headers = {**(HX if htmx else {}), "X-CSRFToken": self.token}
        body = None if method == "GET" else urllib.parse.urlencode(data or {}).encode()
        request = urllib.request.Request(self.base + path, body, headers, method=method)  # noqa: S310 (our own loopback server)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.read().decode())

    def sign_in(self, username: str) -> Browser:
        self.jar.clear()
        self.token = csrf_token(self.open("GET", "/login", htmx=False).body)
        login = {"username": username, "password": PASSWORD}
        answer = self.open("POST", "/login", login, htmx=False)
        assert answer.status == 303, answer
        self.token = csrf_token(self.open("GET", "/about", htmx=False).body)
        return self


Request = tuple[Browser, str, str, dict[str, str] | None]


def at_once(*requests: Request) -> list[Answer]:
    """Send the requests (browser, method, path, form) from threads released together; their
    answers in the same order."""
    start = threading.Barrier(len(requests))
    answers: list[Answer | BaseException | None] = [None] * len(requests)

    def send(index: int) -> None:
        browser, method, path, data = requests[index]
        try:
            start.wait(10)
            answers[index] = browser.open(method, path, data)
        except BaseException as error:  # reported by the test, not lost in the thread
            answers[index] = error

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for answer in answers:
        if not isinstance(answer, Answer):
            raise AssertionError(f"a request failed: {answer!r}")
    return answers  # type: ignore[return-value]


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[tuple[Flask, str]]:
    """The run's PostgreSQL schema with two admins and two members, served by gunicorn."""
    if request.config.getoption("--db") != "postgres":
        pytest.skip("races are run against PostgreSQL: --db=postgres")
    url = request.getfixturevalue("postgres_url")
    app = create_app(base_config(url))
    with app.app_context():
        for name, role in (
            ("ada", "admin"),
            ("bob", "admin"),
            ("mia", "member"),
            ("tom", "member"),
        ):
            create_user(None, NewUser(name, f"{name}@example.com", PASSWORD, role=role))
    folder = tmp_path_factory.mktemp("races")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "ROSTER_INSTANCE_PATH": str(folder),
    }
    for name in ("REDIS_URL", "MAIL_URL", "FLASK_DEBUG"):
        env.pop(name, None)
    log = (folder / "gunicorn.log").open("w")
    # --preload: the app is imported once, not by each worker (it opens no connection then).
    command = [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "4", "--preload"]
    server = subprocess.Popen(
        [*command, "roster:create_app()"], env=env, stderr=log, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while healthz(base) != 200:
            assert server.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        yield app, base
    finally:
        # The server and its workers, at once: no request is left to finish (a graceful stop
        # takes seconds).
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()
        with app.app_context():
            empty_postgres()
            db.engine.dispose()


def healthz(base: str) -> int:
    """The health check's status; 0 while nothing listens yet."""
    try:
        return Browser(base).open("GET", "/healthz").status
    except OSError:
        return 0


@pytest.fixture(scope="module")
def app(site) -> Flask:
    return site[0]


@pytest.fixture(scope="module")
def base(site) -> str:
    return site[1]


def user(app: Flask, username: str) -> User:
    with app.app_context():
        return fetch(app, User, db.session.scalar(select(User.id).filter_by(username=username)))


def reset(app: Flask, username: str, **values: Any) -> User:
    """Set columns of a user directly, as a new version; returns the fresh row."""
    with app.app_context():
        db.session.execute(
            update(User).where(User.username == username).values(version=User.version + 1, **values)
        )
        db.session.commit()
    return user(app, username)


def admin(app: Flask, base: str, username: str) -> Browser:
    """An admin, active again (an earlier race may have removed them), signed in."""
    reset(app, username, role="admin", is_active=True, deleted_at=None)
    return Browser(base).sign_in(username)


def no_server_errors(answers: list[Answer]) -> None:
    assert all(answer.status < 500 for answer in answers), [a.status for a in answers]


def audited(app: Flask, action: str, username: str) -> int:
    where = (AuditEntry.action == action, AuditEntry.target_name == username)
    return scalar(app, select(func.count()).select_from(AuditEntry).where(*where))


# What one admin does to the other over HTTP: the method, and the form's changes (None: none).
REMOVALS = [("PUT", {"role": "member"}), ("PUT", {"is_active": "inactive"}), ("DELETE", None)]


def test_two_admins_removing_each_other_always_leave_one(app, base):
    browsers: dict[str, Browser] = {}
    for trial in range(TRIALS):
        # The loser of a deactivation or deletion was signed out: they sign in afresh.
        for name in ("ada", "bob"):
            if name not in browsers or not user(app, name).is_active_admin:
                browsers[name] = admin(app, base, name)
        ada = reset(app, "ada", role="admin")
        bob = reset(app, "bob", role="admin")
        method, changes = REMOVALS[trial % len(REMOVALS)]
        forms = [None if changes is None else edit_data(target, **changes) for target in (bob, ada)]
        answers = at_once(
            (browsers["ada"], method, f"/users/{bob.id}", forms[0]),
            (browsers["bob"], method, f"/users/{ada.id}", forms[1]),
        )
        no_server_errors(answers)
        admins = scalar(app, select(func.count()).select_from(User).where(User.is_active_admin))
        assert admins >= 1, (trial, method, changes, answers)


def test_a_profile_saved_from_two_tabs_loses_nothing(app, base):
    first = Browser(base).sign_in("mia")
    second = first.tab()
    for trial in range(TRIALS // 2):
        mia = user(app, "mia")
        bios = (f"first tab {trial}", f"second tab {trial}")
        answers = at_once(
            (first, "PUT", "/user/mia", profile_data(mia, bio=bios[0])),
            (second, "PUT", "/user/mia", profile_data(mia, bio=bios[1])),
        )
        no_server_errors(answers)
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [200, 409], (trial, answers)
        winner = bios[[answer.status for answer in answers].index(200)]
        assert user(app, "mia").bio == winner


def test_a_profile_save_during_an_admin_edit_loses_nothing(app, base):
    owner = Browser(base).sign_in("mia")
    ada = admin(app, base, "ada")
    for trial in range(TRIALS // 2):
        mia = user(app, "mia")
        names = (f"owner {trial}", f"admin {trial}")
        answers = at_once(
            (owner, "PUT", "/user/mia", profile_data(mia, display_name=names[0])),
            (ada, "PUT", f"/users/{mia.id}", edit_data(mia, display_name=names[1])),
        )
        no_server_errors(answers)
        assert sorted(answer.status for answer in answers) == [200, 409], (trial, answers)
        winner = names[[answer.status for answer in answers].index(200)]
        assert user(app, "mia").display_name == winner


def test_delete_racing_restore_keeps_the_user_and_the_log_in_step(app, base):
    """Each accepted delete or restore is one entry in the audit log and one change of state;
    a refused one is neither."""
    ada, bob = admin(app, base, "ada"), admin(app, base, "bob")
    for trial in range(TRIALS // 2):
        deleted = trial % 2 == 0
        tom = reset(app, "tom", deleted_at=utcnow() if deleted else None)
        entries = audited(app, "user.delete", "tom") + audited(app, "user.restore", "tom")
        deletes = audited(app, "user.delete", "tom")
        answers = at_once(
            (ada, "DELETE", f"/users/{tom.id}", None),
            (bob, "POST", f"/users/{tom.id}/restore", None),
        )
        no_server_errors(answers)
        assert {answer.status for answer in answers} <= {200, 409}, answers
        changes = audited(app, "user.delete", "tom") + audited(app, "user.restore", "tom")
        accepted_deletes = audited(app, "user.delete", "tom") - deletes
        assert accepted_deletes == (answers[0].status == 200), (trial, answers)
        now_deleted = user(app, "tom").deleted_at is not None
        assert now_deleted == (deleted != ((changes - entries) % 2 == 1)), (trial, answers)


def test_an_edit_racing_a_delete_loses_nothing(app, base):
    ada, bob = admin(app, base, "ada"), admin(app, base, "bob")
    for trial in range(TRIALS // 2):
        tom = reset(app, "tom", deleted_at=None)
        name = f"edited {trial}"
        edit, delete = at_once(
            (ada, "PUT", f"/users/{tom.id}", edit_data(tom, display_name=name)),
            (bob, "DELETE", f"/users/{tom.id}", None),
        )
        no_server_errors([edit, delete])
        assert {edit.status, delete.status} <= {200, 409}, (trial, edit, delete)
        after = user(app, "tom")
        assert (after.display_name == name) == (edit.status == 200), (trial, edit, delete)
        assert (after.deleted_at is not None) == (delete.status == 200), (trial, edit, delete)
