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
REPEAT = "search fragment, repeat"
# The table requests: name, path (given the search term), headers.
PLAN = [
    ("search fragment", lambda term: f"/users?q={term}", HTMX),
    ("first page fragment", lambda _: "/users", HTMX),
    ("full /users page", lambda _: "/users", {}),
    ("filter + sort fragment", lambda _: "/users?role=member&sort=username", HTMX),
    ("rare filter fragment", lambda _: "/users?status=inactive", HTMX),
    ("next page fragment", lambda _: "/users?sort=email&after=WyJtIl0", HTMX),
]
TABLE_REQUESTS = [name for name, _, _ in PLAN]
# The least any implementation on this stack does for a signed-in table request (bench/hello.py):
# the floor each throughput target is compared with.
FLOORS = [
    ("floor: signed-in search", lambda term: f"/floor/search?q={term}"),
    ("floor: signed-in page", lambda _: "/floor/page"),
]
FLOOR_OF = {
    "search fragment": "floor: signed-in search",
    "first page fragment": "floor: signed-in page",
    "full /users page": "floor: signed-in page",
}


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
    engines = parser.add_mutually_exclusive_group()
    engines.add_argument(
        "--postgres",
        action="store_true",
        help="PostgreSQL only (127.0.0.1:5432, database test, a fresh schema)",
    )
    engines.add_argument("--sqlite", action="store_true", help="SQLite only")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of load per URL (default 10)"
    )
    return parser.parse_args(argv)


def fetch(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, int, int, str]:
    """Status, body bytes as wrk gets them (no compression), bytes when gzip is accepted, and
    the uncompressed answer's ETag ("" when none)."""
    sizes = []
    status, etag = 0, ""
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(  # noqa: S310 (our loopback server)
            base_url + path,
            headers={**headers, "User-Agent": USER_AGENT, "Accept-Encoding": encoding},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                status, body = response.status, response.read()
                etag = etag or response.headers.get("ETag", "")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        sizes.append(len(body))
    return status, sizes[0], sizes[1], etag


def floor_cookie(base_url: str) -> str:
    """The floor's signed cookie session, naming the newest open session record."""
    with urllib.request.urlopen(f"{base_url}/floor/sign-in", timeout=10) as response:  # noqa: S310
        return response.headers["Set-Cookie"].split(";", 1)[0]


def measure(
    wrk: str, base_url: str, row: Measured, headers: dict[str, str], duration: float
) -> str:
    """Load `row`'s URL; returns its ETag (for the repeat row)."""
    row.status, row.body_bytes, row.gzip_bytes, etag = fetch(base_url, row.url, headers)
    if row.status == 404:
        return etag
    headers = {**headers, "User-Agent": USER_AGENT}
    run_wrk(wrk, base_url + row.url, headers, min(2.0, duration))  # warm-up: templates, caches
    row.load = run_wrk(wrk, base_url + row.url, headers, duration)
    return etag


def main(argv: list[str] | None = None) -> None:
    """Both engines (unless one is named), then every target with its measured ratio."""
    args = parse_args(argv)
    wrk = ensure_wrk()
    engines = [args.postgres] if args.postgres or args.sqlite else [False, True]
    runs = [run_engine(wrk, args, postgres) for postgres in engines]
    print_targets(runs)


def run_engine(wrk: str, args: argparse.Namespace, postgres: bool) -> dict:
    """One engine: seed, hello, Roster's table requests, hello again; the saved results."""
    engine = "PostgreSQL" if postgres else "SQLite"
    print(
        f"Roster benchmark: {engine}, {args.users:,} users, {args.duration:g} s per URL; "
        f"wrk {THREADS} thread x {CONNECTIONS} connections; "
        f"gunicorn {' '.join(GUNICORN_SETTINGS)}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        folder = Path(tmp)
        with database(folder, postgres) as url:
            site = prepare(url, folder, args.users)
            print(f"Seeding {args.users:,} users took {site.seconds_to_seed:.1f} s", flush=True)
            term, hits = search_term(url)
            print(f"Search term q={term} matches {hits} users", flush=True)
            plan = [(name, path(term), headers) for name, path, headers in PLAN]
            plan.append(("profile page", f"/user/{profile_username(url)}", {}))
            plan.append(("home page", "/", {}))
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
                    headers = {**headers, "Cookie": cookie}
                    etag = measure(wrk, base_url, row, headers, args.duration)
                    rows.append(row)
                    if name == "search fragment":
                        # What a browser's repeat of the same search costs (If-None-Match).
                        repeat = Measured(REPEAT, path, 0, queries=1)
                        measure(wrk, base_url, repeat, {**headers, "If-None-Match": etag},
                                args.duration)  # fmt: skip
                        rows.append(repeat)
            # The reference again, after Roster: a noisy neighbour during one pass must not
            # flatter the ratios, so they divide by the faster of the two passes. Then the
            # stack's floor for a signed-in table request, on the session Roster just made.
            again = Measured("hello (reference)", "/", 0)
            floors = [Measured(name, path(term), 0, queries=2) for name, path in FLOORS]
            with gunicorn("bench.hello:app", site.env) as base_url:
                measure(wrk, base_url, again, {}, args.duration)
                cookie = floor_cookie(base_url)
                for row in floors:
                    measure(wrk, base_url, row, {"Cookie": cookie}, args.duration)
    passes = [run.load for run in (hello, again) if run.load]
    print("Hello passes, req/s: " + ", ".join(f"{load.requests_per_s:.0f}" for load in passes))
    hello.load = max(passes, key=lambda load: load.requests_per_s)
    rows[:0] = [floor, *floors]
    report(hello, rows)
    # Other processes share the two cores; a high load makes every number (ratios less so) worse.
    print("Load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return save(args, engine, hello, rows, site.seconds_to_seed)


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
) -> dict:
    """Keep the raw numbers (git-ignored), for the targets and for comparing database sizes."""
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
    return data


@dataclass(frozen=True)
class Target:
    """One line of the issue's targets: what was measured, against what bound."""

    engine: str
    what: str
    measured: float | None
    bound: float
    unit: str = "x hello"
    at_most: bool = False  # the bound is a maximum (seconds, statements, growth)
    floor: float | None = None  # what the stack's floor for such a request measured

    def line(self) -> str:
        if self.measured is None:
            return f"  {self.engine:10} {self.what:52} {'not measured':>12}"
        held = self.measured <= self.bound if self.at_most else self.measured >= self.bound
        sign = "<=" if self.at_most else ">="
        floor = "" if self.floor is None else f"  (stack floor {self.floor:.2f})"
        return (
            f"  {self.engine:10} {self.what:52} {self.measured:9.2f} {self.unit:8}"
            f" {sign} {self.bound:g}  {'pass' if held else 'MISS'}{floor}"
        )


def targets_of(run: dict) -> list[Target]:
    """The issue's targets that one run measures."""
    engine, users = run["engine"], run["users"]
    rows = {row["name"]: row for row in run["rows"]}
    hello = rows["hello (reference)"]["load"]["requests_per_s"]

    def share(name: str) -> float | None:
        load = rows.get(name, {}).get("load")
        return load["requests_per_s"] / hello if load else None

    search_bound = 0.30 if engine == "PostgreSQL" else 0.40
    bounds = {"search fragment": search_bound, "first page fragment": 0.25,
              "full /users page": 0.20}  # fmt: skip
    found = [
        Target(engine, f"{name} req/s", share(name), bound, floor=share(FLOOR_OF[name]))
        for name, bound in bounds.items()
    ] + [
        Target(engine, "search repeat answered 304 (1: yes)", float(rows[REPEAT]["status"] == 304),
               1, unit=""),
        Target(engine, f"seeding {users:,} users, s", run["seconds_to_seed"],
               10 if users <= 100_000 else 60, unit="s", at_most=True),
    ]  # fmt: skip
    statements = [rows[name]["queries"] for name in TABLE_REQUESTS if rows[name]["queries"]]
    found.append(
        Target(engine, "SQL statements per table request, most", max(statements, default=None),
               3, unit="", at_most=True)
    )  # fmt: skip
    return found


def growth_targets(engine: str) -> list[Target]:
    """p50 of each table request at 1,000,000 users over its p50 at 1,000 (saved runs)."""
    small, large = (RESULTS / f"{engine.lower()}-{n}.json" for n in (SCALES[0], SCALES[-1]))
    if not (small.exists() and large.exists()):
        return [Target(engine, "table request p50, 1,000 -> 1,000,000 users", None, 2)]
    runs = [{row["name"]: row for row in json.loads(p.read_text())["rows"]} for p in (small, large)]
    found = []
    for name in TABLE_REQUESTS:
        loads = [run.get(name, {}).get("load") for run in runs]
        growth = loads[1]["p50_ms"] / loads[0]["p50_ms"] if all(loads) else None
        found.append(Target(engine, f"{name} p50, 1k -> 1M users", growth, 2, unit="x",
                            at_most=True))  # fmt: skip
    return found


def print_targets(runs: list[dict]) -> None:
    print()
    print("Targets (issue 17; ratios to the hello reference of the same run):")
    for run in runs:
        load = " ".join(f"{value:.1f}" for value in run["load_average"])
        print(f"  {run['engine']}, {run['users']:,} users, {run['date']}, load average {load}")
        for target in targets_of(run):
            print(target.line())
        for target in growth_targets(run["engine"]):
            print(target.line())
    print("  (seeding 1,000,000 users and the 1k -> 1M growth: runs with --users 1000 and 1000000)")
