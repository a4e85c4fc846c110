"""The CSV export under gunicorn: time to first byte and the worker's memory while it streams.

`python -m bench.export [--users N] [--postgres]` seeds N users into a throw-away database,
serves Roster with one gthread worker, signs in as the admin and downloads `/users/export.csv`
whole, sampling the worker's `/proc/<pid>/status` every 20 ms. The issue's bar: 1,000,000
users with the worker under 300 MB and the first bytes within a second. VmRSS counts file pages
mapped by SQLite (`mmap_size`) as well as the worker's own (anonymous) memory; both are shown.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.roster_site import USER_AGENT, database, prepare, sign_in_over_http
from bench.servers import gunicorn

ONE_WORKER = ["--workers", "1", "--worker-class", "gthread", "--threads", "4"]
FIELDS = ("VmRSS", "RssAnon", "RssFile")
SAMPLE_EVERY = 0.02  # seconds
CHUNK = 64 * 1024


@dataclass
class Memory:
    """Peaks of a process's memory figures, in kB, sampled from a thread while it works."""

    pid: int
    before: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def read(self) -> dict[str, int]:
        lines = Path(f"/proc/{self.pid}/status").read_text().splitlines()
        values = dict(line.split(":", 1) for line in lines if ":" in line)
        return {name: int(values[name].split()[0]) for name in FIELDS}

    def watch(self) -> None:
        while not self.done.wait(SAMPLE_EVERY):
            for name, value in self.read().items():
                self.peak[name] = max(self.peak.get(name, 0), value)


def worker_pid() -> int:
    """The one gunicorn worker: the child of the master this process started."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
        except OSError:
            continue
    masters = [pid for pid, parent in parents.items() if parent == os.getpid()]
    workers = [pid for pid, parent in parents.items() if parent in masters]
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {workers}")
    return workers[0]


def download(url: str, cookie: str) -> tuple[float, float, int, int]:
    """Seconds to the first byte and to the last, bytes and lines of the whole file."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})  # noqa: S310
    started = time.perf_counter()
    first = 0.0
    size = lines = 0
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback)
        while chunk := response.read(CHUNK):
            first = first or time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    return first, time.perf_counter() - started, size, lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        folder = Path(tmp)
        with database(folder, args.postgres) as url:
            site = prepare(url, folder, args.users)
            print(f"{engine}: seeded {args.users:,} users in {site.seconds_to_seed:.1f} s")
            with gunicorn("roster:create_app()", site.env, "/about", ONE_WORKER) as base_url:
                cookie = sign_in_over_http(base_url, site.admin_password)
                memory = Memory(worker_pid())
                memory.before = memory.read()
                sampler = threading.Thread(target=memory.watch)
                sampler.start()
                try:
                    first, total, size, lines = download(f"{base_url}/users/export.csv", cookie)
                finally:
                    memory.done.set()
                    sampler.join()
    print(f"export: {lines - 1:,} rows, {size / 1e6:.1f} MB in {total:.1f} s", end="; ")
    print(f"first byte after {first:.3f} s")
    for name in FIELDS:
        before, peak = memory.before[name] / 1024, memory.peak.get(name, 0) / 1024
        print(f"worker {name}: {before:.1f} MB before, peak {peak:.1f} MB")
    print("Load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
