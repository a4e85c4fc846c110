"""Run the benchmark: the hello reference, then Roster's pages, in one run, on loopback only."""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.load import CONNECTIONS, THREADS, Load, ensure_wrk, run_wrk
from bench.roster_site import (
    USER_AGENT,
    count_queries,
    database,
    prepare,
    profile_username,
    search_term,
    sign_in_over_http,
)
from bench.servers import GUNICORN_SETTINGS, gunicorn

RESULTS = Path(__file__).resolve().parent / "results"
HTMX = {"HX-Request": "true"}
SCALES = (1_000, 100_000, 1_000_000)


@dataclass
class Measured:
    """One row of the report: a URL, what it answered and how fast."""

    name: str
    url: str
    status: int
    body_bytes: int = 0
    gzip_bytes: int = 0
    queries: int | None = None
    load: Load | None = None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--users", type=int, choices=SCALES, default=100_000)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="PostgreSQL at 127.0.0.1:5432 (database test, a fresh schema) instead of SQLite",
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of load per URL (default 10)"
    )
    return parser.parse_args(argv)


def fetch(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, int, int]:
    """Status, body bytes as wrk gets them (no compression), and bytes when gzip is accepted."""
    sizes = []
    status = 0
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(  # noqa: S310 (our loopback server)
            base_url + path,
            headers={**headers, "User-Agent": USER_AGENT, "Accept-Encoding": encoding},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        sizes.append(len(body))
    return status, sizes[0], sizes[1]


def measure(wrk: str, base_url: str, row: Measured, headers: dict[str, str], duration: float):
    row.status, row.body_bytes, row.gzip_bytes = fetch(base_url, row.url, headers)
    if row.status == 404:
        return
    headers = {**headers, "User-Agent": USER_AGENT}
    run_wrk(wrk, base_url + row.url, headers, min(2.0, duration))  # warm-up: templates, caches
    row.load = run_wrk(wrk, base_url + row.url, headers, duration)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wrk = ensure_wrk()
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"Roster benchmark: {engine}, {args.users:,} users, {args.duration:g} s per URL; "
        f"wrk {THREADS} thread x {CONNECTIONS} connections; "
        f"gunicorn {' '.join(GUNICORN_SETTINGS)}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        folder = Path(tmp)
        with database(folder, args.postgres) as url:
            site = prepare(url, folder, args.users)
            print(f"Seeding {args.users:,} users took {site.seconds_to_seed:.1f} s", flush=True)
            term, hits = search_term(url)
            print(f"Search term q={term} matches {hits} users", flush=True)
            plan = [
                ("search fragment", f"/users?q={term}", HTMX),
                ("first page fragment", "/users", HTMX),
                ("full /users page", "/users", {}),
                ("profile page", f"/user/{profile_username(url)}", {}),
                ("home page", "/", {}),
            ]
            queries = count_queries(
                url, site.admin_password, [(path, headers) for _, path, headers in plan]
            )
            hello = Measured("hello (reference)", "/", 0)
            floor = Measured("floor: 1 SELECT by id", "/user/1", 0)
            with gunicorn("bench.hello:app", site.env) as base_url:
                measure(wrk, base_url, hello, {}, args.duration)
                measure(wrk, base_url, floor, {}, args.duration)
            rows = []
            with gunicorn("roster:create_app()", site.env, ready_path="/about") as base_url:
                cookie = sign_in_over_http(base_url, site.admin_password)
                for (name, path, headers), count in zip(plan, queries, strict=True):
                    row = Measured(name, path, 0, queries=count)
                    measure(wrk, base_url, row, {**headers, "Cookie": cookie}, args.duration)
                    rows.append(row)
            # The reference again, after Roster: a noisy neighbour during one pass must not
            # flatter the ratios, so they divide by the faster of the two passes.
            again = Measured("hello (reference)", "/", 0)
            with gunicorn("bench.hello:app", site.env) as base_url:
                measure(wrk, base_url, again, {}, args.duration)
    passes = [run.load for run in (hello, again) if run.load]
    print("Hello passes, req/s: " + ", ".join(f"{load.requests_per_s:.0f}" for load in passes))
    hello.load = max(passes, key=lambda load: load.requests_per_s)
    rows.insert(0, floor)
    report(hello, rows)
    # Other processes share the two cores; a high load makes every number (ratios less so) worse.
    print("Load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    save(args, engine, hello, rows, site.seconds_to_seed)


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:6.2f}x" if reference else "     -"


def report(hello: Measured, rows: list[Measured]) -> None:
    ref = hello.load
    print()
    print(
        f"{'':22} {'req/s':>8} {'':>7} {'p50 ms':>7} {'':>7} {'p99 ms':>7} {'':>7}"
        f" {'bytes':>7} {'':>8} {'gzip':>6} {'SQL':>4}"
    )
    for row in [hello, *rows]:
        if row.load is None:
            print(f"{row.name:22} missing ({row.status}) at {row.url}")
            continue
        load = row.load
        queries = "-" if row.queries is None else str(row.queries)
        errors = f"  ({load.errors} errors)" if load.errors else ""
        print(
            f"{row.name:22} {load.requests_per_s:8.0f}"
            f" {ratio(load.requests_per_s, ref.requests_per_s)}"
            f" {load.p50_ms:7.2f} {ratio(load.p50_ms, ref.p50_ms)}"
            f" {load.p99_ms:7.2f} {ratio(load.p99_ms, ref.p99_ms)}"
            f" {row.body_bytes:7d} {ratio(row.body_bytes, hello.body_bytes):>8}"
            f" {row.gzip_bytes:6d} {queries:>4}{errors}"
        )
    print("(x: ratio to the hello reference in this run; bytes as wrk gets them, uncompressed)")
    by_name = {row.name: row for row in rows}
    page = by_name["full /users page"]
    # The "fragment <= 20% of the full page's bytes": what a search sends instead of
    # a page. The first page fragment (all 25 rows) is printed for comparison.
    for name in ("search fragment", "first page fragment"):
        fragment = by_name[name]
        if fragment.load and page.load:
            share = fragment.body_bytes / page.body_bytes
            print(f"The {name} is {share:.0%} of the full /users page's bytes.")


def save(
    args: argparse.Namespace, engine: str, hello: Measured, rows: list[Measured], seed_s: float
) -> None:
    """Keep the raw numbers (git-ignored) and compare search latency across database sizes."""
    RESULTS.mkdir(exist_ok=True)
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}",
        "engine": engine,
        "users": args.users,
        "duration_s": args.duration,
        "seconds_to_seed": seed_s,
        "load_average": os.getloadavg(),
        "rows": [asdict(row) for row in [hello, *rows]],
    }
    path = RESULTS / f"{engine.lower()}-{args.users}.json"
    path.write_text(json.dumps(data, indent=2))
    print(f"Raw results: {path}")
    small, large = (RESULTS / f"{engine.lower()}-{n}.json" for n in (SCALES[0], SCALES[-1]))
    if small.exists() and large.exists():
        compare_search(json.loads(small.read_text()), json.loads(large.read_text()))


def compare_search(small: dict, large: dict) -> None:
    """The target: search p50 grows at most 2x from 1,000 to 1,000,000 users."""

    def search(run: dict) -> tuple[float, float] | None:
        rows = {row["name"]: row for row in run["rows"]}
        hit, ref = rows["search fragment"]["load"], rows["hello (reference)"]["load"]
        return (hit["p50_ms"], ref["p50_ms"]) if hit and ref else None

    a, b = search(small), search(large)
    if a is None or b is None:
        print("Search p50, 1,000 vs 1,000,000 users: missing (no /users route in one run)")
        return
    print(
        f"Search p50, 1,000 vs 1,000,000 users ({small['date']} / {large['date']}): "
        f"{a[0]:.2f} ms -> {b[0]:.2f} ms = {b[0] / a[0]:.2f}x "
        f"(relative to each run's hello: {(b[0] / b[1]) / (a[0] / a[1]):.2f}x)"
    )
