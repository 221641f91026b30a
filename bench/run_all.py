"""Run every benchmark under bench/ with one command and write bench/RESULTS.md: a markdown table (benchmark,
command, wall time, exit status, headline figures) with the machine it ran on, then each benchmark's full output.

A benchmark is a bench/*.py script with a `__main__` block (helpers such as loadgen.py have none). Each runs
with its own defaults, or with --quick with the smaller arguments below (a smoke run, not figures to quote).
The headline is the benchmark's last line when it is a JSON object (the convention of bench/*.py), else its
last line. Each row says when its benchmark started and the load average then (the machine may be shared).

The results are also kept as JSON beside the markdown (RESULTS.json): `--only NAME` re-runs those benchmarks
and keeps the others' last results, so one benchmark can be refreshed after a change without re-running all.

    .venv/bin/python bench/run_all.py [--quick] [--only load --only crawl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUICK_ARGS = {
    "archive": ["--reports", "1000", "--requests", "30"],
    "crawl": ["--pages", "500"],
    "crawl_scale": ["--frontier", "10000", "--pages", "500"],
    "extract": ["--reports", "4", "--rounds", "1", "--long-pages", "20"],
    "load": ["--reports", "300", "--seconds", "5"],
    "ocr": ["--reports", "1"],
    "parse": ["--reports", "4", "--rounds", "1"],
}


def benchmarks() -> list[Path]:
    return sorted(path for path in BENCH.glob("*.py")
                  if path.name != Path(__file__).name and 'if __name__ == "__main__"' in path.read_text("utf-8"))


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory = next((line.split(":", 1)[1].strip() for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal")), "unknown")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": f"{cpu} × {os.cpu_count()}",
        "memory": memory,
        "load average at start": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit.stdout.strip() or "unknown",
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def headline(output: str) -> str:
    """The trailing JSON object of the output (on one line or indented over several) as `key value, ...`;
    else the last line."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    for start in range(len(lines) - 1, -1, -1):
        if lines[start].startswith("{"):
            try:
                figures = json.loads("\n".join(lines[start:]))
            except ValueError:
                continue
            if isinstance(figures, dict):
                return ", ".join(f"{key} {_short(value)}" for key, value in figures.items())
    return lines[-1][:200]


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def run(script: Path, quick: bool, timeout: float) -> dict:
    """Run one benchmark in its own process group, so that on a timeout the servers and workers it started
    (portals, redis-server, Datasette) are stopped with it instead of being left behind."""
    command = [sys.executable, str(script.relative_to(ROOT)), *(QUICK_ARGS.get(script.stem, []) if quick else [])]
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="minutes")
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        status, output = process.returncode, stdout + (f"\n[stderr]\n{stderr[-3000:]}" if process.returncode else "")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, _ = process.communicate()
        status, output = "timeout", stdout
    return {"name": script.stem, "command": " ".join([".venv/bin/python", *command[1:]]),
            "started": started_at, "load average": load, "seconds": round(time.monotonic() - started, 1),
            "status": status, "output": output,
            "headline": headline(output) if status == 0 else f"failed ({status})"}


def write_results(results: list[dict], info: dict[str, str], quick: bool, target: Path) -> None:
    lines = ["# Benchmark results", "",
             f"Written by `bench/run_all.py{' --quick' if quick else ''}`"
             + (" (a smoke run with small inputs: not figures to quote)." if quick else "."), "",
             "| machine | |", "|---|---|", *[f"| {key} | {value} |" for key, value in info.items()], "",
             "| benchmark | command | started (UTC), load average | wall s | exit | headline |",
             "|---|---|---|---|---|---|"]
    for result in results:
        when = f"{result.get('started', '?')}, {result.get('load average', '?')}"
        cells = [result["name"], f"`{result['command']}`", when, str(result["seconds"]), str(result["status"]),
                 result["headline"].replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    for result in results:
        lines += ["", f"## {result['name']}", "", f"`{result['command']}`", "", "```", result["output"].rstrip(),
                  "```"]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.with_suffix(".json").write_text(json.dumps({"machine": info, "quick": quick, "results": results},
                                                      ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def kept_results(target: Path, quick: bool, rerun: set[str]) -> list[dict]:
    """The last results of the benchmarks not re-run now (from RESULTS.json, same --quick mode only)."""
    try:
        previous = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if previous.get("quick") != quick:
        return []
    return [result for result in previous.get("results", []) if result["name"] not in rerun]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs: check that every benchmark runs")
    parser.add_argument("--only", action="append", default=[], help="run only this benchmark (repeatable)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per benchmark")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    info = machine()
    chosen = [script for script in benchmarks() if not args.only or script.stem in args.only]
    results = kept_results(args.out, args.quick, {script.stem for script in chosen}) if args.only else []
    for script in chosen:
        print(f"bench/{script.name} ...", flush=True)
        result = run(script, args.quick, args.timeout)
        print(f"  {result['status']} in {result['seconds']} s: {result['headline']}", flush=True)
        results = sorted([*results, result], key=lambda r: r["name"])
        write_results(results, info, args.quick, args.out)  # after each one: a stopped run keeps what it measured
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
