"""Several machines, proven on one: two app servers (gunicorn, each with gunicorn.conf.py) on one
PostgreSQL schema and one Redis, then nginx from deploy/nginx.conf in front of both.

A change made through one server shows live in a browser on the other; a session, its CSRF
token and the rate limits hold whichever server answers; and the same live check passes through
nginx with TLS (a throw-away self-signed certificate) and TRUSTED_PROXIES=1.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text
from tests.conftest import POSTGRES_URL
from tests.helpers import REDIS_URL

from e2e.conftest import flask, free_port, gunicorn
from e2e.helpers import ADMIN, NoReload, sign_in
from e2e.test_live import LIVE, edit
from e2e.test_users import create_user, row
from roster import PROJECT_ROOT

NGINX = "/usr/sbin/nginx"
SCHEMA = f"roster_servers_{os.getpid()}"


@pytest.fixture(scope="module")
def servers(mail_server) -> Iterator[list[str]]:
    """Two servers, as two machines would run them: one database, one Redis, one secret key."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    prefix = f"roster-e2e-{uuid.uuid4().hex}:"
    env = {
        **os.environ,
        "DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{SCHEMA}",
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "SECRET_KEY": secrets.token_hex(16),
        "TRUSTED_PROXIES": "1",
        "MAIL_URL": mail_server.url,
        "SITE_URL": "https://localhost",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "32",
    }
    env.pop("FLASK_DEBUG", None)
    flask(env, "db", "upgrade")
    password = ADMIN["password"]
    flask(
        env,
        *("create-user", ADMIN["username"], "--email", ADMIN["email"], "--admin"),
        stdin=f"{password}\n{password}\n",
    )
    with ExitStack() as stack:
        yield [stack.enter_context(gunicorn(env, free_port())) for _ in range(2)]
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(match=f"{prefix}*"):
        store.delete(key)
    store.close()
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    engine.dispose()


def admin_on(browser: Browser, url: str, **options) -> Page:
    context = browser.new_context(base_url=url, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page)
    return page


def check_live(editor: Page, watcher: Page) -> None:
    """The editor adds a user and renames it; the watcher's table shows both, no reload."""
    tag = uuid.uuid4().hex[:6]
    username = f"far-{tag}"
    watcher.goto(f"/users?q=far-{tag}")
    expect(watcher.get_by_test_id("users-empty")).to_be_visible()
    guard = NoReload(watcher)
    editor.goto("/users")
    create_user(editor, username)
    expect(row(watcher, username)).to_be_visible(timeout=LIVE)
    edit(editor, username, display_name="Seen far away")
    expect(row(watcher, username)).to_contain_text("Seen far away", timeout=LIVE)
    guard.check()


def test_a_change_through_one_server_shows_live_on_the_other(browser: Browser, servers):
    one, two = servers
    editor, watcher = admin_on(browser, one), admin_on(browser, two)
    check_live(editor, watcher)
    editor.context.close()
    watcher.context.close()


def test_a_session_its_token_and_the_rate_limits_hold_on_either_server(browser: Browser, servers):
    one, two = servers
    page = admin_on(browser, one)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    # Cookies do not depend on the port: this context's requests to server two carry them.
    request = page.context.request
    assert request.get(f"{two}/users", max_redirects=0).status == 200
    username = f"token-{uuid.uuid4().hex[:6]}"
    created = request.post(
        f"{two}/users",
        form={"username": username, "email": f"{username}@example.com", "password": "x" * 14},
        headers={"X-CSRFToken": token},
        max_redirects=0,
    )
    assert created.status == 303
    listed = request.get(f"{one}/users?q={username}").text()
    assert listed.count(f'data-testid="user-details-link">{username}</a>') == 1
    page.context.close()

    # Failed sign-ins are counted in Redis: ten per account and address, on any server.
    guesser = browser.new_context().request
    name = f"nobody-{uuid.uuid4().hex[:6]}"
    statuses = []
    for attempt in range(11):
        server = servers[attempt % 2]
        form_page = guesser.get(f"{server}/login").text()
        guess_token = re.search(r'name="csrf-token" content="([^"]+)"', form_page).group(1)
        answer = guesser.post(
            f"{server}/login",
            form={"username": name, "password": "wrong guess", "csrf_token": guess_token},
            max_redirects=0,
        )
        statuses.append(answer.status)
    assert statuses == [422] * 10 + [429], statuses
    guesser.dispose()


# ---- nginx --------------------------------------------------------------------------------


def nginx_site(deploy: str, servers: list[str], port: int, folder: Path) -> str:
    """deploy/nginx.conf with this machine's names put in where it says CHANGE."""
    upstreams = "".join(f"    server {url.removeprefix('http://')};\n" for url in servers)
    changes = [
        ("    server 10.0.0.11:8000;\n    server 10.0.0.12:8000;\n", upstreams),
        ("listen 80;", f"listen {free_port()};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;"),
        ("/etc/letsencrypt/live/roster.example.com/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/roster.example.com/privkey.pem", str(folder / "key.pem")),
        ("roster.example.com", "localhost"),
    ]
    for old, new in changes:
        assert old in deploy, f"deploy/nginx.conf no longer has {old!r}"
        deploy = deploy.replace(old, new)
    return deploy


@pytest.fixture(scope="module")
def nginx(servers, tmp_path_factory) -> Iterator[str]:
    """nginx from deploy/nginx.conf, in front of both servers, TLS on a free port."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs it (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
            *("-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost", "-keyout", "key.pem", "-out", "cert.pem"),
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    port = free_port()
    site = nginx_site((PROJECT_ROOT / "deploy" / "nginx.conf").read_text(), servers, port, folder)
    (folder / "roster.conf").write_text(site)
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.getuid() == 0 else "")
        + f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "worker_processes 1;\nevents { worker_connections 512; }\n"
        + f"http {{\n    access_log off;\n{temp}    include {folder / 'roster.conf'};\n}}\n"
    )
    config = ["-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    check = subprocess.run([NGINX, "-t", *config], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, *config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"https://localhost:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((folder / "error.log").read_text()) from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_live_updates_pass_through_nginx_with_tls(browser: Browser, nginx: str):
    editor = admin_on(browser, nginx, ignore_https_errors=True)
    watcher = admin_on(browser, nginx, ignore_https_errors=True)
    check_live(editor, watcher)
    # TLS ended at nginx, and the app knew (TRUSTED_PROXIES=1): its cookies are Secure.
    cookies = watcher.context.cookies()
    assert cookies
    assert all(cookie["secure"] for cookie in cookies)
    editor.context.close()
    watcher.context.close()
