"""Crawl-at-scale benchmark (issue 4): frontier memory with disk queues, and two workers on one Redis.

Uses the generated TRS portal of bench/crawl.py (served by `bench/crawl.py --serve N` in its own process)
and prints, in one run:

* **frontier**: peak RSS of `govreports crawl` while its frontier holds more than 100,000 requests —
  breadth-first (DEPTH_PRIORITY=1, FIFO queues), the crawl stops (CLOSESPIDER_PAGECOUNT) once every
  listing page has been read, i.e. with every report page still queued — with the JOBDIR disk queues
  that `govreports crawl` uses (target: under 500 MB), and, as the baseline in the same run, with
  Scrapy's memory queues (no JOBDIR). Peak RSS is the process's own ru_maxrss.
* **distributed**: pages per second of one process against two workers sharing one redis-server
  (started here on 127.0.0.1, a free port, a temporary directory), same per-process settings, on a
  smaller portal; wall time from process start to the last worker's end. One worker alone on Redis
  shows what the shared scheduler and the claims cost. Two workers on one machine only help when the
  machine has cores to spare: the crawl of a loopback portal is CPU-bound. Then the two workers' stores
  are merged into one (`govreports merge-stores`, crawler.merge): seconds, captures per second, and
  whether the merged reports.jsonl holds as many reports as the single process's.

    .venv/bin/python bench/crawl_scale.py [--frontier 100000] [--pages 3000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_LISTING = 20  # bench/crawl.py's portal: 20 report pages per listing page
COLUMN = "/zwgk/zfxxgknb/"
# Runs one crawl in this child process and prints its own peak RSS (kB) on the last stdout line.
_MEASURED = """
import json, resource, sys
from pathlib import Path
from crawler.run import run_crawl
summary = run_crawl(Path(sys.argv[1]), urls=(sys.argv[2],), overrides=json.loads(sys.argv[3]))
print(json.dumps({"summary": summary, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _server(pages: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "crawl.py"), "--serve", str(pages)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    port = process.stdout.readline().strip()
    return process, f"http://127.0.0.1:{port}"


def _measured_crawl(out: Path, url: str, overrides: dict[str, object]) -> dict:
    result = subprocess.run([sys.executable, "-c", _MEASURED, str(out), url, json.dumps(overrides)], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) if directory.exists() else 0


def _run_stats(out: Path) -> dict:
    db = sqlite3.connect(out / "captures.db")
    try:
        return json.loads(db.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    finally:
        db.close()


def frontier(target: int, concurrency: int) -> dict:
    listings = -(-target // PER_LISTING) + 1
    pages = listings * (PER_LISTING + 1)
    server, base = _server(pages)
    breadth_first = {
        "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue", "LISTING_PAGES_MAX": listings + 1,
        "HOST_LISTING_BUDGET": listings + 10, "CLOSESPIDER_PAGECOUNT": listings + PER_LISTING, "LOG_LEVEL": "WARNING",
    }
    figures: dict[str, object] = {"listing_pages": listings}
    try:
        for mode in ("disk_queues", "memory_queues"):
            with tempfile.TemporaryDirectory() as work:
                out = Path(work) / "store"
                overrides = dict(breadth_first)
                if mode == "memory_queues":
                    overrides["JOBDIR"] = ""
                started = time.perf_counter()
                result = _measured_crawl(out, f"{base}{COLUMN}", overrides)
                stats = _run_stats(out)
                queued = stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)
                figures[mode] = {
                    "peak_rss_mb": round(result["maxrss_kb"] / 1024, 1),
                    "frontier_at_stop": queued, "pages_fetched": result["summary"]["requests"],
                    "seconds": round(time.perf_counter() - started, 1),
                    "jobdir_mb": round(_size(out / "job") / 2**20, 1),
                }
    finally:
        server.terminate()
        server.wait()
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _govreports(url: str, out: Path, settings: dict[str, object]) -> list[str]:
    command = [str(Path(sys.executable).parent / "govreports"), "crawl", "--url", url, "--out", str(out)]
    for name, value in settings.items():
        command += ["--set", f"{name}={value}"]
    return command


def _timed(commands: list[list[str]]) -> float:
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for command in commands]
    for process in processes:
        _, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(stderr[-3000:])
    return time.perf_counter() - started


def _captures(out: Path) -> int:
    db = sqlite3.connect(out / "captures.db")
    try:
        return db.execute("SELECT COUNT(*) FROM captures WHERE url NOT LIKE '%/robots.txt'").fetchone()[0]
    finally:
        db.close()


def distributed(pages: int, concurrency: int) -> dict:
    redis_server = shutil.which("redis-server")
    if not redis_server:
        return {"skipped": "redis-server is not installed"}
    settings = {"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": concurrency,
                "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "LISTING_PAGES_MAX": pages, "LOG_LEVEL": "WARNING"}
    server, base = _server(pages)
    port = _free_port()
    with tempfile.TemporaryDirectory() as work:
        redis = subprocess.Popen([redis_server, "--bind", "127.0.0.1", "--port", str(port), "--dir", work,
                                  "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            single_out = Path(work) / "single"
            single_seconds = _timed([_govreports(f"{base}{COLUMN}", single_out, settings)])
            shared = {**settings, "DISTRIBUTED": 1, "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                      "DISTRIBUTED_JOB": "bench"}
            alone_out = Path(work) / "alone"
            alone_seconds = _timed([_govreports(f"{base}{COLUMN}", alone_out, {**shared, "DISTRIBUTED_JOB": "alone"})])
            outs = [Path(work) / "worker-1", Path(work) / "worker-2"]
            pair_seconds = _timed([_govreports(f"{base}{COLUMN}", out, shared) for out in outs])
            single_pages = _captures(single_out)
            alone_pages = _captures(alone_out)
            pair_pages = [_captures(out) for out in outs]
            merged = _merged(Path(work) / "merged", outs, single_out)
        finally:
            redis.terminate()
            redis.wait()
            server.terminate()
            server.wait()
    return {
        "one_process": {"pages": single_pages, "seconds": round(single_seconds, 1),
                        "pages_per_second": round(single_pages / single_seconds, 1)},
        "one_worker_one_redis": {"pages": alone_pages, "seconds": round(alone_seconds, 1),
                                 "pages_per_second": round(alone_pages / alone_seconds, 1)},
        "two_workers_one_redis": {"pages": sum(pair_pages), "pages_per_worker": pair_pages,
                                  "seconds": round(pair_seconds, 1),
                                  "pages_per_second": round(sum(pair_pages) / pair_seconds, 1)},
        "speedup": round((sum(pair_pages) / pair_seconds) / (single_pages / single_seconds), 2),
        "seconds_include_process_start": True,
        "merge_of_the_two_stores": merged,
    }


def _merged(target: Path, outs: list[Path], single_out: Path) -> dict:
    from crawler.merge import merge_stores

    started = time.perf_counter()
    summary = merge_stores(target, outs)
    seconds = time.perf_counter() - started
    single_reports = len((single_out / "reports.jsonl").read_text(encoding="utf-8").splitlines())
    return {"captures": summary.added.get("captures", 0), "seconds": round(seconds, 2),
            "captures_per_second": round(summary.added.get("captures", 0) / seconds),
            "reports": summary.reports, "single_process_reports": single_reports}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frontier", type=int, default=100_000, help="requests queued at the peak")
    parser.add_argument("--pages", type=int, default=3000, help="portal size for the distributed comparison")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", choices=("frontier", "distributed"))
    args = parser.parse_args()
    figures = {}
    if args.only in (None, "frontier"):
        figures["frontier"] = frontier(args.frontier, args.concurrency)
    if args.only in (None, "distributed"):
        figures["distributed"] = distributed(args.pages, args.concurrency)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
