"""Faults with real services: a database that is down at start, goes away, or drops connections;
Redis unreachable. The site answers 503 with a retry hint (never a 500) and recovers by itself.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from roster.users.service import NewUser, create_user
from tests.helpers import PASSWORD

HTMX = {"HX-Request": "true"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Link:
    """A TCP link to PostgreSQL that a test can cut and restore: the database "goes away"."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.server: socket.socket | None = None
        self.pairs: list[socket.socket] = []

    def up(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and cut the open ones, as a crashed server would."""
        if self.server is not None:
            self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
            self.server = None
        for sock in self.pairs:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.pairs.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.pairs += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def link(postgres_url) -> Iterator[Link]:
    link = Link(free_port(), ("127.0.0.1", 5432))
    yield link
    link.down()


@pytest.fixture
def linked_app(make_app, postgres_url, link):
    """An app whose database is reached through `link` (not yet up: the database is down)."""
    return make_app(SQLALCHEMY_DATABASE_URI=postgres_url.replace(":5432/", f":{link.port}/"))


def assert_unavailable(response, *, fragment: bool = False) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "cannot reach its database" in html
    assert ("<html" in html) != fragment


def test_database_down_at_start_answers_503_then_recovers_without_a_restart(linked_app, link):
    client = linked_app.test_client()
    assert_unavailable(client.get("/"))
    assert_unavailable(client.get("/", headers=HTMX), fragment=True)
    assert_unavailable(client.get("/user/member"))
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"] == "unreachable"
    link.up()
    assert client.get("/").status_code == 200
    assert client.get("/healthz").json == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
    }


def test_a_database_that_goes_away_mid_traffic_costs_503s_not_500s(linked_app, link):
    link.up()
    client = linked_app.test_client()
    with linked_app.app_context():
        create_user(None, NewUser("writer", "writer@example.com", PASSWORD))
    client.post("/login", data={"username": "writer", "password": PASSWORD})
    assert client.get("/user/writer").status_code == 200
    link.down()
    assert_unavailable(client.get("/user/writer"))
    assert_unavailable(
        client.post("/posts", data={"title": "t", "body": "b"}, headers=HTMX), fragment=True
    )
    link.up()
    assert client.get("/user/writer").status_code == 200


def test_connections_terminated_mid_traffic_never_answer_500(make_app, postgres_url):
    """pg_terminate_backend on every connection of the app, again and again, while it serves."""
    name = f"roster-fault-{free_port()}"
    url = f"{postgres_url}&application_name={name}"
    served = make_app(SQLALCHEMY_DATABASE_URI=url)
    with served.app_context():
        create_user(None, NewUser("member", "member@example.com", PASSWORD))
    killer = create_engine(postgres_url.split("?")[0])
    stop = threading.Event()

    def terminate() -> None:
        with killer.connect() as conn:
            while not stop.wait(0.01):
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": name},
                )
                conn.commit()

    client = served.test_client()
    assert client.get("/user/member").status_code == 200
    thread = threading.Thread(target=terminate)
    thread.start()
    try:
        statuses = [client.get(url).status_code for url in ["/", "/user/member", "/healthz"] * 30]
    finally:
        stop.set()
        thread.join()
        killer.dispose()
    assert set(statuses) == {200, 503}, "every answer is right, or 503 when a fault hit it"
    assert client.get("/user/member").status_code == 200


def test_healthz_reports_redis_without_failing_on_it(make_app, postgres_url):
    gone = make_app(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", without=("RATELIMIT_STORAGE_URI",)
    ).test_client()
    response = gone.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "redis": "unreachable"}
    there = make_app(
        REDIS_URL="redis://127.0.0.1:6379/0", without=("RATELIMIT_STORAGE_URI",)
    ).test_client()
    assert there.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_shows_no_secrets(make_app, postgres_url):
    app = make_app(REDIS_URL="redis://:hunter2@127.0.0.1:6379/0")
    response = app.test_client().get("/healthz")
    body = response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert set(json.loads(body)) == {"status", "database", "redis"}
    for secret in ("hunter2", "postgres", "5432", "6379", app.config["SECRET_KEY"]):
        assert secret not in body
