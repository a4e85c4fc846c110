"""`python -m bench.profile [PATH] [--htmx]`: where one signed-in request spends its time.

Runs PATH in-process (Flask's test client, no server) against a small seeded SQLite database,
prints the mean time per request and a pyinstrument call tree. For finding per-request
overhead, not for comparing with the load benchmark.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler

from bench.roster_site import ADMIN, CSRF_META, prepare, profile_username


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("path", nargs="?", help="URL path; default: a profile page with posts")
    parser.add_argument("--htmx", action="store_true", help="send HX-Request: true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    from roster import create_app

    with tempfile.TemporaryDirectory(prefix="roster-profile-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'roster.db'}"
        site = prepare(url, folder, args.users)
        path = args.path or f"/user/{profile_username(url)}"
        headers = {"HX-Request": "true"} if args.htmx else {}
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "profile"})
        client = app.test_client()
        token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post(
            "/login",
            data={
                "username": ADMIN["username"],
                "password": site.admin_password,
                "csrf_token": token,
            },
        )
        for _ in range(50):  # warm up: templates compiled, statement caches filled
            client.get(path, headers=headers)
        # CPU time, best of five batches: other processes on the machine add noise, never speed.
        batches = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            batches.append((time.process_time() - started) / args.requests * 1000)
        mean_ms = min(batches)
        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(args.requests):
                client.get(path, headers=headers)
        print(profiler.output_text(unicode=True, color=False))
        print(
            f"{path} {headers or ''}: {mean_ms:.3f} ms CPU per request (best of 5x{args.requests})"
        )


if __name__ == "__main__":
    main()
