"""The load generator: Debian's wrk, installed on first use, driven with a fixed small load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 1
CONNECTIONS = 4
# wrk hands its summary to this Lua hook; JSON is easier to read back than its report.
REPORT_SCRIPT = """
done = function(summary, latency, requests)
  io.write("BENCH-JSON ")
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk measured for one URL."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def ensure_wrk() -> str:
    """Path to wrk; installs Debian's package first when it is missing (root, or with sudo)."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("wrk is missing: installing Debian's package ...", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk, yet it is not on PATH")
    return found


def run_wrk(wrk: str, url: str, headers: dict[str, str], duration: float) -> Load:
    """Load `url` for `duration` seconds from a few connections; wrk stops by itself."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benchmark loads loopback servers only, not {url}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT_SCRIPT)
    try:
        command = [
            wrk,
            f"--threads={THREADS}",
            f"--connections={CONNECTIONS}",
            f"--duration={max(1, round(duration))}s",
            "--timeout=5s",
            f"--script={script.name}",
        ]
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        result = subprocess.run(  # noqa: S603 (wrk with our own arguments)
            [*command, url],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 30,
        )
    finally:
        Path(script.name).unlink()
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("BENCH-JSON "))
    data = json.loads(line.removeprefix("BENCH-JSON "))
    return Load(
        requests_per_s=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
    )
