"""A real server (its own port and database) and Debian's Chromium, for Playwright tests."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import ADMIN, MODERATOR, LoadWatch, NoReload, sign_in
from roster import PROJECT_ROOT
from roster.mail.testing import MailServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FLASK = [sys.executable, "-m", "flask", "--app", "roster"]
# The same users, posts and dates on every run: tests and README screenshots are reproducible.
SEED = ["seed", "--users", "60", "--posts", "40", "--random-seed", "7", "--as-of", "2026-03-14"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server in the test process: the site's mail arrives here, to be read."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def server_env(
    tmp_path_factory: pytest.TempPathFactory, mail_server: MailServer, server_port: int
) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'roster.db'}",
        "SECRET_KEY": secrets.token_hex(16),
        "ROSTER_INSTANCE_PATH": str(folder / "instance"),
        # The fragment catalog: accessibility tests and screenshots render its states.
        "CATALOG": "1",
        # Every e2e test that needs a new account registers one, all from 127.0.0.1.
        "REGISTER_RATE_LIMIT": "1000/hour",
        # Links in mail lead back to this server, as they would to a production site.
        "MAIL_URL": mail_server.url,
        "SITE_URL": f"http://127.0.0.1:{server_port}",
    }
    env.pop("REDIS_URL", None)
    env.pop("FLASK_DEBUG", None)
    return env


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [*FLASK, *args], env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture(scope="session")
def live_server(server_env: dict[str, str], server_port: int) -> Iterator[str]:
    """Migrate, seed, create an admin and a moderator, then serve with gunicorn as production
    does."""
    flask(server_env, "db", "upgrade")
    flask(server_env, *SEED)
    for account, role in ((ADMIN, "admin"), (MODERATOR, "moderator")):
        flask(
            server_env,
            "create-user",
            account["username"],
            "--email",
            account["email"],
            "--role",
            role,
            stdin=f"{account['password']}\n{account['password']}\n",
        )
    with gunicorn(server_env, server_port) as url:
        yield url


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[str]:
    """Serve the app with gunicorn.conf.py, as production does; yield its URL once it answers."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the server)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(PROJECT_ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    # Workers import the app on start: seconds on a quiet machine, more on a busy CI runner.
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/about", timeout=1)  # noqa: S310 (our own loopback server)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    log.seek(0)
                    raise RuntimeError(log.read().decode()) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    """Everything here answers in milliseconds; ten seconds of waiting means it is broken."""
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(10_000)


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console messages about the Content-Security-Policy; tests assert this stays empty."""
    messages: list[str] = []
    page.on(
        "console",
        lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return messages


@pytest.fixture
def no_reload(page: Page):
    """Call after the first page load: `guard = no_reload()`, then `guard.check()`."""
    return lambda: NoReload(page)


# ==== designers and e2e runs: automatic no-reload check ====
# Mark a test `@pytest.mark.no_reload` and every interaction in it is checked: after its first
# page load, the document must never load again (htmx swaps fragments; a reload is a bug).
# The `no_reload` fixture above still works for checks at chosen points.


LOAD_WATCH = pytest.StashKey[LoadWatch]()


@pytest.fixture(autouse=True)
def _watch_loads(request: pytest.FixtureRequest, page: Page) -> None:
    if request.node.get_closest_marker("no_reload"):
        request.node.stash[LOAD_WATCH] = LoadWatch(page)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Checked as part of the test itself, so a failure keeps its trace and screenshot."""
    result = yield
    watch = item.stash.get(LOAD_WATCH, None)
    if watch is not None:
        assert watch.reloads == [], f"full page loads after the first: {watch.reloads}"
    return result


@pytest.fixture
def users_page(page: Page, csp_violations: list[str]):
    """The user table, signed in as the e2e admin; no CSP violation on the way."""
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    expect(page).to_have_url(re.compile(r"/users$"))
    yield page
    assert csp_violations == []
