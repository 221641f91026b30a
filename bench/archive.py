"""Benchmark the archive: build a synthetic archive and time Datasette's HTTP API on it.

    .venv/bin/python bench/archive.py --reports 10000          # the issue's target for ?_search= (p95 < 100 ms)
    .venv/bin/python bench/archive.py --reports 100000         # the ranked-search target (p95 < 100 ms)

Prints: record generation and load time, database size, and p50/p95 latency through HTTP (a real server in a
separate process, sequential requests with keep-alive) of a two-character table search (?_search=, with the
configured facets and without), the ranked canned search, a facet page, the canned time-series query, and the
same table page searched with plain LIKE (?text__contains=) as the baseline (ratio = LIKE / FTS, same run).

Records are generated from the template declaration (archive/synthetic.py): all 200 cells, checks, sections and
a full text of about 4,000 characters built from a pool of sentences, so a word's frequency is controlled:
公开 is in every report, 复议 in about half, 雷同 in about 1 %.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.bodies import divisions  # noqa: E402
from archive.load import load  # noqa: E402
from archive.metadata import REPORT_FACETS  # noqa: E402
from archive.synthetic import make_record, wrap  # noqa: E402

FILLER = (
    "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。",
    "加强政策解读和回应关切，及时发布权威信息，增强政府工作透明度。",
    "规范依申请公开办理流程，严格按照法定时限答复，切实保障申请人合法权益。",
    "政府信息公开平台建设进一步加强，专栏内容及时更新维护。",
    "强化监督保障，将政务公开工作纳入年度绩效考核。",
    "严格执行保密审查制度，确保公开信息准确、规范、及时。",
)
RARE = ("本年度因政府信息公开申请被提起行政复议1件，已审结。", "经自查未发现内容雷同、敷衍塞责等问题。")
BODY_SUFFIXES = ("人民政府", "财政局", "教育局", "统计局", "自然资源局", "生态环境局", "卫生健康委员会", "党政办公室")


def distinct_words(count: int) -> list[str]:
    """Different two- and three-character words found in the generated text, one per request."""
    text = "".join(FILLER + RARE)
    words = dict.fromkeys(text[i : i + size] for size in (2, 3) for i in range(len(text) - size + 1))
    chinese = [w for w in words if all("\u4e00" <= ch <= "\u9fff" for ch in w)]
    return [chinese[i % len(chinese)] for i in range(count)]


def long_text(rng: random.Random) -> str:
    sentences = [rng.choice(FILLER) for _ in range(rng.randint(60, 80))]
    if rng.random() < 0.5:
        sentences.insert(rng.randrange(len(sentences)), RARE[0])
    if rng.random() < 0.01:
        sentences.insert(rng.randrange(len(sentences)), RARE[1])
    return wrap("".join(sentences))


def generate(path: Path, reports: int, seed: int) -> None:
    """Write the records to `path` (through a .part file, so an interrupted run leaves no half file to reuse)."""
    rng = random.Random(seed)
    places = [d for d in divisions() if d.code and d.level in ("prefecture", "county", "zone")]
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8") as out:
        for number in range(reports):
            place = places[number % len(places)]
            suffix = BODY_SUFFIXES[(number // len(places)) % len(BODY_SUFFIXES)]
            year = 2019 + (number // (len(places) * len(BODY_SUFFIXES))) % 6
            record = make_record(
                body=place.name + suffix,
                year=year,
                template_id="2021" if year >= 2021 else "2019",
                seed=number,
                published=f"{year + 1}-0{rng.randint(1, 4)}-{rng.randint(10, 28)}",
                violate=rng.random() < 0.05,
                uncertain=rng.choice((0, 0, 0, 2)),
                extra_text=long_text(rng),
            )
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    part.rename(path)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children (the load's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def machine_load() -> str:
    """The load averages: other work on the shared machine moves every wall-clock figure."""
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    code = (
        "import uvicorn; from archive.publication import make_datasette; "
        f"ds = make_datasette({str(db)!r}); "
        "ds._settings['sql_time_limit_ms'] = 120000; "  # so the LIKE baseline is timed, not cut off
        f"uvicorn.run(ds.app(), host='127.0.0.1', port={port}, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def measure(client: httpx.Client, paths: list[str], warmup: int = 3) -> tuple[float, float]:
    for path in paths[:warmup]:
        client.get(path).raise_for_status()
    timings = []
    for path in paths:
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    timings.sort()
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per measurement")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "archive")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-load", action="store_true", help="measure the archive already in --out")
    parser.add_argument("--workers", type=int, default=None, help="loader worker processes (default: one per CPU)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # the records are kept, keyed by count and seed: generating 100,000 takes ~15 minutes, loading them ~5
    records, db = args.out / f"records-{args.reports}-seed{args.seed}.jsonl", args.out / "archive.db"

    start = time.perf_counter()
    cached = records.exists()
    if not cached:
        generate(records, args.reports, args.seed)
    generated = time.perf_counter() - start
    if not (args.skip_load and db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        print(f"machine before loading: {machine_load()}")
        start, cpu = time.perf_counter(), cpu_seconds()
        summary = load([records], db, batch_size=1000, workers=args.workers)
        loaded, cpu = time.perf_counter() - start, [b - a for a, b in zip(cpu, cpu_seconds(), strict=True)]
        print(f"machine after loading: {machine_load()}")
        start = time.perf_counter()
        reloaded = load([records], db, batch_size=1000, workers=args.workers)
        reload_time = time.perf_counter() - start
        print(
            f"reports: {args.reports:,} (written {summary.written:,}); "
            f"generate {generated:.1f} s{' (cached file)' if cached else ''}"
        )
        print(
            f"load: {loaded:.1f} s ({args.reports / loaded:,.0f} reports/s); CPU: loader {cpu[0]:.0f} s, "
            f"workers {cpu[1]:.0f} s ({1000 * cpu[0] / args.reports:.2f} + {1000 * cpu[1] / args.reports:.2f} ms a "
            f"report); re-load of unchanged records: {reload_time:.1f} s, {reloaded.written} written"
        )
    print(f"database size: {db.stat().st_size / 2**20:,.0f} MiB")
    print(f"machine before the queries: {machine_load()}")

    rng = random.Random(args.seed)
    port = free_port()
    server = start_server(db, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            sql = "select body_id from reports group by body_id limit 500"
            body_ids = [
                r["body_id"] for r in client.get("/archive.json", params={"sql": sql, "_shape": "array"}).json()
            ]
            n = args.requests
            few = max(10, n // 10)  # the LIKE baseline is slow: fewer requests
            series = "/archive/body_time_series.json?include_uncertain=&body_id="
            search, like = (
                "/archive/reports.json?_col=title&_search=",
                "/archive/reports.json?_col=title&text__contains=",
            )
            words = distinct_words(n)  # a new word each request: the facet cache never answers
            # Datasette's own facet, one query each (our facets on that page answer from the cache: same words)
            builtin = "&".join(f"_facet={c}" for c in REPORT_FACETS)
            cases = {
                "?_search=复议 (count, 20 rows, 8 default facets)": [f"{search}复议"] * n,
                "?_search=<new word each time> (8 facets, uncached)": [f"{search}{w}" for w in words],
                "?_search=<new word each time>&_nofacet=1": [f"{search}{w}&_nofacet=1" for w in words],
                "baseline: Datasette's 8 facets, new word each time": [
                    f"{search}{w}&_size=20&{builtin}&_facet_size=30" for w in reversed(words)
                ],
                "?_search=复议&_nofacet=1 (count, 20 rows)": [f"{search}复议&_nofacet=1"] * n,
                "?_search=雷同 (rare word, 8 facets)": [f"{search}雷同"] * n,
                "ranked search 复议 (canned, snippets, top 50)": ["/archive/search.json?q=复议"] * n,
                "ranked search 雷同": ["/archive/search.json?q=雷同"] * n,
                "facet page (year filter, 8 facets)": [
                    f"/archive/reports.json?_col=title&year={rng.randint(2019, 2024)}" for _ in range(n)
                ],
                "canned time series (random body)": [f"{series}{rng.choice(body_ids)}" for _ in range(n)],
                "LIKE baseline: ?text__contains=复议 (8 facets)": [f"{like}复议"] * few,
                "LIKE baseline: ?text__contains=复议&_nofacet=1": [f"{like}复议&_nofacet=1"] * few,
            }
            results = {}
            for name, paths in cases.items():
                results[name] = measure(client, paths)
                print(f"{name:<52} p50 {results[name][0]:8.1f} ms   p95 {results[name][1]:8.1f} ms")
            names = list(cases)
            ours, theirs = results[names[1]][1], results[names[3]][1]
            print(f"p95 new-word search with facets, Datasette's own / single pass: {theirs / ours:.1f}x")
            for like_name, fts_name in ((names[10], names[0]), (names[11], names[4])):
                ratio = results[like_name][0] / results[fts_name][0]
                print(f"LIKE / FTS p50 ratio, {fts_name.split(' (')[0]}: {ratio:.1f}x")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
