"""Load benchmark: the published archive under 50 concurrent clients for 30 s (wrk on loopback).

Builds a synthetic archive (archive/synthetic.py: every cell, checks, sections, full text; --reports of
them), finishes it as `publish` does, and for each worker count (`--workers`, default 1 and one per core)
serves it with `govreports serve --workers N` in its own processes and prints, in one run:

* search pages alone, report pages alone, and the mix: requests/s, errors, p50/p95/p99 (ms);
* the mix again while an endless SQL query (`WITH RECURSIVE …`) is sent over and over (to the SQL worker,
  through the public workers): how long each takes to be stopped by arbitrary SQL's time limit, and the
  mix's p95 next to the undisturbed one (ratio);
* the machine: cores and load average before and after (the machine is shared; read the figures with it);
* a last JSON line with the figures, for bench/run_all.py.

    .venv/bin/python bench/load.py [--reports 2000] [--seconds 30] [--connections 50] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.load import load  # noqa: E402
from archive.metadata import ARBITRARY_SQL_TIME_LIMIT_MS  # noqa: E402
from archive.publication import finish  # noqa: E402
from archive.serving import default_workers  # noqa: E402
from archive.synthetic import make_record  # noqa: E402
from bench.loadgen import run_wrk  # noqa: E402

BODIES = ("市人民政府", "市财政局", "县教育局", "区统计局", "镇人民政府", "市卫生健康委员会", "县自然资源局")
PLACES = ("郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡")
SEARCH_TERMS = ("公开", "依申请公开", "行政复议", "政府信息", "信息处理费", "保密审查")
ENDLESS_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def build_archive(db: Path, reports: int) -> float:
    started = time.perf_counter()
    records = db.with_suffix(".jsonl")
    with records.open("w", encoding="utf-8") as out:
        for number in range(reports):
            body = PLACES[number % len(PLACES)] + BODIES[(number // len(PLACES)) % len(BODIES)]
            year = 2021 + number % 3
            record = make_record(body=body, year=year, seed=number, published=f"{year + 1}-01-20",
                                 page_url=f"http://portal.example/{number}.html")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    load([records], db, batch_size=1000)
    finish(db)
    return time.perf_counter() - started


def serve(db: Path, port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "govreports", "serve", str(db), "--port", str(port),
                                "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not start")


def paths(db: Path, rng: random.Random) -> tuple[list[str], list[str]]:
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM reports")]
    searches = [f"/{db.stem}/reports?{urllib.parse.urlencode({'_search': term})}" for term in SEARCH_TERMS]
    searches += [f"/{db.stem}/reports.json?{urllib.parse.urlencode({'_search': term, '_shape': 'array'})}"
                 for term in SEARCH_TERMS]
    reports = [f"/{db.stem}/reports/{report_id}" for report_id in rng.sample(ids, min(200, len(ids)))]
    return searches, reports


def endless_queries(base: str, db: str, stop: threading.Event, outcomes: list) -> None:
    url = f"{base}/{db}.json?{urllib.parse.urlencode({'sql': ENDLESS_SQL})}"
    while not stop.is_set():
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=300) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            if status == 429:  # the gate: one arbitrary query at a time, then a pause as long as it ran
                stop.wait(int(error.headers.get("Retry-After", "1")))
        outcomes.append((status, time.monotonic() - started))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def line(name: str, figures: dict) -> str:
    return (f"  {name:<28} {figures['requests_per_s']:>8.1f} req/s  errors {figures['errors']:>3}  p50 "
            f"{figures['p50_ms']:>7.0f} ms  p95 {figures['p95_ms']:>7.0f} ms  p99 {figures['p99_ms']:>7.0f} ms  "
            f"server used {figures['server_cores']:.2f} cores")


def cpu_seconds(root: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants, from /proc (Linux)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat:
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    tree, total, frontier = {root}, 0.0, [root]
    while frontier:
        pid = frontier.pop()
        total += parents.get(pid, (0, 0.0))[1]
        children = [child for child, (parent, _) in parents.items() if parent == pid and child not in tree]
        tree.update(children)
        frontier += children
    return total


def loaded(server: subprocess.Popen, base: str, paths: list[str], connections: int, seconds: int) -> dict:
    """One wrk run, with the CPU the server's processes got during it (in cores: CPU seconds / wall seconds);
    on a shared machine this says how much of the cores the workers could have."""
    before = cpu_seconds(server.pid)
    figures = run_wrk(base, paths, connections=connections, seconds=seconds)
    figures["server_cores"] = round((cpu_seconds(server.pid) - before) / figures["duration_s"], 2)
    return figures


def machine() -> str:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{default_workers()} cores, load average {load}"


def measure(db: Path, workers: int, connections: int, seconds: int) -> dict:
    """One server with `workers` public workers: the three loads, then the mix with endless SQL."""
    port = free_port()
    server = serve(db, port, workers)
    base = f"http://127.0.0.1:{port}"
    print(f"{workers} public worker(s) + the SQL worker; {connections} connections, {seconds} s each "
          f"(wrk, loopback); {machine()}:")
    try:
        searches, reports = paths(db, random.Random(1))
        run_wrk(base, searches + reports, connections=4, seconds=3)  # warm the page cache and every worker
        results = {}
        for name, chosen in (("search pages", searches), ("report pages", reports), ("mix", searches + reports)):
            results[name] = loaded(server, base, chosen, connections, seconds)
            print(line(name, results[name]))
        stop, outcomes = threading.Event(), []
        sender = threading.Thread(target=endless_queries, args=(base, db.stem, stop, outcomes))
        sender.start()
        results["mix + endless SQL"] = loaded(server, base, searches + reports, connections, seconds)
        stop.set()
        sender.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(line("mix + endless SQL", results["mix + endless SQL"]))
    stopped = [seconds for status, seconds in outcomes if status == 400]
    limit = ARBITRARY_SQL_TIME_LIMIT_MS / 1000  # arbitrary SQL's own limit (tables and canned queries: 3 s)
    refused = sum(1 for status, _ in outcomes if status == 429)
    other = sorted({status for status, _ in outcomes if status not in (400, 429)})
    ratio = results["mix + endless SQL"]["p95_ms"] / results["mix"]["p95_ms"]
    print(f"  endless SQL: {refused} refused (429, Retry-After honoured); {len(stopped)} of "
          f"{len(outcomes) - refused} run stopped (HTTP 400) after {min(stopped, default=0):.2f}–"
          f"{max(stopped, default=0):.2f} s (limit {limit:g} s){f'; other answers {other}' if other else ''}")
    print(f"  ratio, mix p95 with endless SQL / without: {ratio:.2f}; {machine()}")
    return {
        **{f"{name.replace(' ', '_').replace('+', 'with')}_{key}": round(r[key]) if key.endswith("ms") else r[key]
           for name, r in results.items()
           for key in ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "server_cores")},
        "endless_sql_stopped": f"{len(stopped)}/{len(outcomes) - refused}", "endless_sql_refused": refused,
        "endless_sql_max_s": round(max(stopped, default=0), 2), "endless_sql_limit_s": limit,
        "p95_ratio_with_endless_sql": round(ratio, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", default=f"1,{default_workers()}",
                        help="comma-separated public worker counts to compare (default: 1 and one per core)")
    args = parser.parse_args()
    counts = list(dict.fromkeys(int(n) for n in args.workers.split(",")))
    with tempfile.TemporaryDirectory(prefix="govreports-load-") as work:
        db = Path(work) / "archive.db"
        built = build_archive(db, args.reports)
        print(f"archive: {args.reports} reports built and finished in {built:.1f} s, "
              f"{db.stat().st_size / 1e6:.1f} MB")
        figures = {workers: measure(db, workers, args.connections, args.seconds) for workers in counts}
    if len(counts) > 1:
        first, last = figures[counts[0]], figures[counts[-1]]
        print(f"{counts[-1]} workers / {counts[0]}: " + ", ".join(
            f"{name} {last[f'{name}_requests_per_s'] / first[f'{name}_requests_per_s']:.2f}x req/s, p95 "
            f"{last[f'{name}_p95_ms'] / first[f'{name}_p95_ms']:.2f}x"
            for name in ("search_pages", "report_pages", "mix")))
    headline = ("search_pages_requests_per_s", "report_pages_requests_per_s", "mix_requests_per_s", "mix_p95_ms",
                "mix_server_cores",
                "mix_with_endless_SQL_p95_ms", "p95_ratio_with_endless_sql", "endless_sql_max_s")
    print(json.dumps({
        "reports": args.reports, "connections": args.connections, "seconds": args.seconds, "cores": default_workers(),
        "errors": sum(f[key] for f in figures.values() for key in f if key.endswith("_errors")),
        **{f"{key}_{workers}w": f[key] for workers, f in figures.items() for key in headline},
    }, ensure_ascii=False))

if __name__ == "__main__":
    main()
