"""Load on a served archive with `wrk` (Debian's wrk; C, event-driven, so the generator is not the
bottleneck the way a Python client on the same two cores would be): many connections cycling through a list
of paths for a fixed time, and the figures a Lua `done` hook prints — requests, errors by kind, non-2xx/3xx
responses and the latency percentiles (wrk's own `--latency` table has no p95).

Used by bench/load.py (the 30 s run) and tests/reliability/test_load.py (a short bounded run).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_s": %%.3f, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_ms": %%.2f, "p95_ms": %%.2f, "p99_ms": %%.2f, "max_ms": %%.2f}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, paths: list[str], connections: int, seconds: int, threads: int = 2,
            timeout_s: int = 30) -> dict:
    """Figures of one wrk run: requests, requests_per_s, errors (sum of every kind), p50/p95/p99/max in ms."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % quoted)
    try:
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", f"{timeout_s}s",
             "-s", script.name, base_url],
            capture_output=True, text=True, timeout=seconds + timeout_s + 30, check=True,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["errors"] = sum(figures[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    figures["requests_per_s"] = round(figures["requests"] / figures["duration_s"], 1)
    figures["connections"] = connections
    return figures
