"""Gunicorn servers on free loopback ports, started and stopped by the benchmark."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
# Two workers for the machine's two cores; threads keep connections alive between requests,
# which sync workers would close after every response (then wrk would measure TCP set-up).
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "gthread", "--threads", "4"]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str],
    ready_path: str = "/",
    settings: Sequence[str] = GUNICORN_SETTINGS,
) -> Iterator[str]:
    """Serve `app_spec` on a free loopback port; yield its base URL; stop it on the way out."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        f"{HOST}:{port}",
        *settings,
        app_spec,
    ]
    process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_ready(process, url + ready_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _wait_until_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback, our own server)
            return
        except urllib.error.HTTPError:
            return  # it answers: a 4xx is still a running server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"gunicorn did not start: {process.stderr.read().decode()}"
                ) from None
            time.sleep(0.1)
