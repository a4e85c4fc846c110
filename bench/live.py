"""What idle live tables cost ordinary requests: `python -m bench.live [--streams 200]`.

Serves Roster with the production settings (gunicorn.conf.py; no Redis, so one process holds
every stream), signs in as an admin, then loads the user-table fragment with wrk in rounds:
without streams, then with `--streams` open /live/users streams (each an admin's open table,
idle but for heartbeats), then without again, so that both share the machine's load. Prints
each round's p50 and requests/s and the ratio of the medians (the issue's bound: 1.5).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench.load import ensure_wrk, run_wrk
from bench.roster_site import USER_AGENT, database, prepare, sign_in_over_http
from bench.servers import gunicorn
from roster import PROJECT_ROOT

HTMX = {"HX-Request": "true"}
PATH = "/users"
HEARTBEAT = 15  # seconds: LIVE_HEARTBEAT_SECONDS


@contextmanager
def open_streams(base_url: str, cookie: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` live tables: each a connection that got its stream's first event, left open."""
    parts = urlsplit(base_url)
    request = (
        f"GET /live/users HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
        f"User-Agent: {USER_AGENT}\r\nAccept: text/event-stream\r\nHX-Request: true\r\n\r\n"
    ).encode()
    streams: list[socket.socket] = []
    try:
        for _ in range(count):
            stream = socket.create_connection((parts.hostname, parts.port), timeout=10)
            streams.append(stream)
            stream.sendall(request)
            head = b""
            while b"\nid: " not in head.replace(b"\r\n", b"\n"):
                chunk = stream.recv(4096)
                if not chunk:
                    raise RuntimeError(f"a stream closed early: {head[:200]!r}")
                head += chunk
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"a stream was refused: {head[:200]!r}")
        yield streams
    finally:
        for stream in streams:
            stream.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    wrk = ensure_wrk()
    settings = ["--config", str(PROJECT_ROOT / "gunicorn.conf.py")]
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        folder = Path(tmp)
        with database(folder, postgres=False) as url:
            site = prepare(url, folder, args.users)
            with gunicorn("roster:create_app()", site.env, "/about", settings) as base_url:
                headers = {**HTMX, "Cookie": sign_in_over_http(base_url, site.admin_password)}
                run_wrk(wrk, base_url + PATH, headers, 2)  # warm-up
                rows: dict[str, list] = {"without": [], "with": []}
                rows["without"].append(run_wrk(wrk, base_url + PATH, headers, args.duration))
                with open_streams(base_url, headers["Cookie"], args.streams):
                    for _ in range(args.rounds):
                        load = run_wrk(wrk, base_url + PATH, headers, args.duration)
                        rows["with"].append(load)
                # A closed stream ends at its next heartbeat: let them go before measuring again.
                time.sleep(HEARTBEAT + 2)
                for _ in range(args.rounds - 1):
                    rows["without"].append(run_wrk(wrk, base_url + PATH, headers, args.duration))
    print(f"user-table fragment {PATH} (htmx), wrk 1 thread x 4 connections, {args.duration:g} s")
    print("| open live tables | req/s | p50 ms | p99 ms | errors |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    order = [("without", 0)] + [("with", args.streams)] * args.rounds
    order += [("without", 0)] * (args.rounds - 1)
    seen = {"without": 0, "with": 0}
    for name, count in order:
        load = rows[name][seen[name]]
        seen[name] += 1
        print(
            f"| {count} | {load.requests_per_s:.0f} | {load.p50_ms:.2f} "
            f"| {load.p99_ms:.1f} | {load.errors} |"
        )
    without = statistics.median(load.p50_ms for load in rows["without"])
    with_streams = statistics.median(load.p50_ms for load in rows["with"])
    print(
        f"median p50: {without:.2f} ms without, {with_streams:.2f} ms with {args.streams} "
        f"open live tables: x{with_streams / without:.2f}"
    )


if __name__ == "__main__":
    main()
