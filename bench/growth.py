"""`python -m bench.growth [--small 1000] [--large 1000000]`: each table request's latency at
two sizes, in-process, with the sizes interleaved.

`make bench` measures each size in its own run, minutes apart, and this machine's speed drifts
by up to 2x over minutes (bench/README, Round 5): a growth ratio between two runs is mostly the
drift. Here both databases are served by one process, each request is timed alternately on
the two (Flask's test client, no server), and the medians are compared, so the drift hits both
sizes alike. SQLite only (no schema to clean up); `make bench` covers PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.cli import PLAN
from bench.roster_site import ADMIN, CSRF_META, prepare, search_term

ROUNDS = 300


def signed_in_client(folder: Path, users: int):
    """A test client of Roster on a new database of `users` users, signed in as the admin."""
    from roster import create_app

    url = f"sqlite:///{folder / 'roster.db'}"
    site = prepare(url, folder, users)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "growth"})
    client = app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    login = {"username": ADMIN["username"], "password": site.admin_password, "csrf_token": token}
    client.post("/login", data=login)
    return client, search_term(url)[0]


def timed(client, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-growth-") as tmp:
        sizes = (args.small, args.large)
        sites = []
        for users in sizes:
            folder = Path(tmp) / str(users)
            folder.mkdir()
            sites.append(signed_in_client(folder, users))
        print(f"p50 in-process, SQLite, {args.small:,} and {args.large:,} users, interleaved:")
        for name, path_of, headers in PLAN:
            paths = [path_of(term) for _, term in sites]
            for (client, _), path in zip(sites, paths, strict=True):
                for _ in range(20):  # warm: templates, statement caches, the row cache
                    timed(client, path, headers)
            times: list[list[float]] = [[], []]
            for _ in range(ROUNDS):
                for index, ((client, _), path) in enumerate(zip(sites, paths, strict=True)):
                    times[index].append(timed(client, path, headers))
            small, large = (statistics.median(each) * 1000 for each in times)
            print(f"  {name:24s} {small:7.2f} ms -> {large:7.2f} ms  {large / small:5.2f} x  <= 2")


if __name__ == "__main__":
    main()
