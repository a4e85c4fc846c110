"""TRUSTED_PROXIES=0 behind a real gunicorn: X-Forwarded-* from loopback change nothing.

gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default (`forwarded_allow_ips`); the app
takes the scheme from the connection itself, so a forged header earns no Secure cookie or HSTS.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path: Path, **env: str) -> Iterator[int]:
    port = free_port()
    environment = {
        **os.environ,
        "SECRET_KEY": "test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'roster.db'}",
        "ROSTER_INSTANCE_PATH": str(tmp_path),
        **env,
    }
    server = subprocess.Popen(
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1", "roster:create_app()"],
        env=environment,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Until a worker answers: booting one takes seconds on a busy machine.
        for _ in range(600):
            try:
                get(port, "/healthz", {})
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait()


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response


@pytest.fixture
def gunicorn_port(tmp_path: Path) -> Iterator[int]:
    yield from serve(tmp_path, TRUSTED_PROXIES="0")


@pytest.fixture
def proxied_port(tmp_path: Path) -> Iterator[int]:
    yield from serve(tmp_path, TRUSTED_PROXIES="1")


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def test_a_forwarded_scheme_from_loopback_is_ignored_without_trusted_proxies(gunicorn_port):
    response = get(gunicorn_port, "/login", FORGED)
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") is None
    cookies = response.headers.get_all("Set-Cookie")
    assert cookies
    assert not any("secure" in cookie.lower() for cookie in cookies)


def test_with_one_trusted_proxy_the_forwarded_scheme_counts(proxied_port):
    response = get(proxied_port, "/login", FORGED)
    assert response.getheader("Strict-Transport-Security")
    assert all("Secure" in cookie for cookie in response.headers.get_all("Set-Cookie"))
