"""Two workers on one real redis-server (crawler.distributed): their captures together are the captures of
a single-process crawl, none made by both, and their stores merged into one (crawler.merge) give the
single-process reports.jsonl; a worker killed mid-crawl and run again completes the set."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.merge import MergeError, merge_stores
from tests.crawler.conftest import MAXSIZE
from tests.crawler.test_resume import captures, command, settle_flaky_pages
from tests.portal.server import serve_portal
from tests.portal.site import Page, build_site, page

ROBOTS = "robots.txt"  # every worker reads robots.txt itself: it never goes through the shared scheduler
SITE = build_site()  # one set of bytes for every crawl here (the mock's DOCX files carry their build time)


def worker(base_url: str, out: Path, redis_url: str, job: str) -> list[str]:
    # Two requests at a time per worker: one worker alone would take the whole small portal into its downloader.
    return [*command(base_url, out), "--set", "DISTRIBUTED=1", "--set", f"REDIS_URL={redis_url}",
            "--set", "CONCURRENT_REQUESTS=2",
            "--set", f"DISTRIBUTED_JOB={job}", "--set", "DISTRIBUTED_HEARTBEAT_TTL=3"]


def without_robots(found: Counter) -> Counter:
    return Counter({key: count for key, count in found.items() if key[1] != ROBOTS})


@dataclass
class Single:
    captures: Counter
    reports: list[str]


def reports_file(out: Path, base_url: str) -> list[str]:
    """reports.jsonl with the portal's address taken out (each crawl here has a portal of its own)."""
    return (out / "reports.jsonl").read_text(encoding="utf-8").replace(base_url, "BASE").splitlines()


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Single:
    out = tmp_path_factory.mktemp("single")
    with serve_portal(huge_size=3 * MAXSIZE, pages=SITE) as portal:
        settle_flaky_pages(portal.base_url)
        done = subprocess.run(command(portal.base_url, out), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    return Single(without_robots(captures(out)), reports_file(out, portal.base_url))


def _wait(process: subprocess.Popen) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, redis_url):
    tmp_path = tmp_path_factory.mktemp("two-workers")
    outs = [tmp_path / "worker-1", tmp_path / "worker-2"]
    with serve_portal(huge_size=3 * MAXSIZE, pages=SITE) as portal:
        settle_flaky_pages(portal.base_url)
        # Slower than the other tests, so that the second worker is up (process start is slow on a busy
        # machine) before the first has crawled the whole small portal alone.
        slow = ["--set", "DOWNLOAD_DELAY=0.3"]
        workers = [subprocess.Popen([*worker(portal.base_url, out, redis_url, "together"), *slow],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in outs]
        for process in workers:
            _wait(process)
    return outs, portal.base_url


def test_two_workers_together_capture_what_one_process_does_none_twice(two_workers, single):
    outs, _ = two_workers
    found = [without_robots(captures(out)) for out in outs]
    assert all(sum(counts.values()) > 0 for counts in found), "both workers crawled"
    assert not set(found[0]) & set(found[1]), "no request was captured by both workers"
    assert found[0] + found[1] == single.captures


def test_merged_worker_stores_are_one_store_with_the_single_process_reports(tmp_path, two_workers, single):
    outs, base_url = two_workers
    merged = tmp_path / "merged"
    summary = merge_stores(merged, outs)
    assert summary.reports == len(single.reports)
    assert reports_file(merged, base_url) == single.reports
    assert without_robots(captures(merged)) == single.captures
    db = sqlite3.connect(merged / "captures.db")
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM captures WHERE warc_file IS NOT NULL ORDER BY id").fetchall()
    workers = [sqlite3.connect(out / "captures.db") for out in outs]
    runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert runs == sum(worker.execute("SELECT COUNT(*) FROM runs").fetchone()[0] for worker in workers)
    assert events == sum(worker.execute("SELECT COUNT(*) FROM events").fetchone()[0] for worker in workers)
    db.close()
    for worker in workers:
        worker.close()
    for row in rows:  # every capture's WARC record is where the merged index says
        with (merged / "warc" / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
    for line in (merged / "reports.jsonl").read_text(encoding="utf-8").splitlines():
        report = json.loads(line)
        for item in report["attachments"] + ([report["page"]] if report["page"] else []):
            assert hashlib.sha256((merged / item["path"]).read_bytes()).hexdigest() == item["sha256"]


def endless_pagination(pages: int = 200) -> dict[str, Page]:
    """A column whose every page links the next three: a trap only the listing budget stops."""
    site = {"/robots.txt": Page(b"User-agent: *\n", "text/plain"),
            "/": page("某某市人民政府", '<a href="/nb/index.html">政府信息公开年报</a>')}
    for number in range(pages):
        name = "index.html" if number == 0 else f"index_{number}.html"
        pager = " ".join(f'<a href="index_{after}.html">{after}</a>' for after in range(number + 1, number + 4))
        site[f"/nb/{name}"] = page("政府信息公开年报", f"<h2>政府信息公开年报</h2><div class='pager'>{pager}</div>")
    return site


def test_two_workers_spend_one_listing_budget_per_host(tmp_path, redis_url):
    outs = [tmp_path / "budget-1", tmp_path / "budget-2"]
    budget = 10
    with serve_portal(pages=endless_pagination()) as portal:
        workers = [subprocess.Popen([*worker(portal.base_url, out, redis_url, "budget"), "--set", "DOWNLOAD_DELAY=1",
                                     "--set", f"HOST_LISTING_BUDGET={budget}", "--set", "BARREN_LISTING_LIMIT=1000"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in outs]
        for process in workers:
            _wait(process)
        fetched = sum(count for path, count in portal.hits.items() if path.startswith("/nb/"))
    found = [captures(out) for out in outs]
    events = 0
    for out in outs:
        db = sqlite3.connect(out / "captures.db")
        events += db.execute("SELECT COUNT(*) FROM events WHERE kind = 'listing_budget_exhausted'").fetchone()[0]
        db.close()
    assert all(any(key[1].startswith("nb/") for key in counts) for counts in found), "both workers walked the trap"
    assert fetched == budget, "the two workers together fetched one budget of listing pages"
    assert events == 1, "the exhaustion is recorded once for the job"


def test_merging_again_adds_nothing(tmp_path, two_workers):
    outs, _ = two_workers
    merged = tmp_path / "merged"
    merge_stores(merged, outs)
    first = _dump(merged)
    again = merge_stores(merged, outs)
    assert again.added == {}
    assert _dump(merged) == first


def _dump(out: Path) -> dict[str, list]:
    db = sqlite3.connect(out / "captures.db")
    tables = ("runs", "captures", "events", "hosts", "reports", "report_files", "validators", "portal_health")
    try:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in tables} | {
            "reports.jsonl": [(out / "reports.jsonl").read_text(encoding="utf-8")]}
    finally:
        db.close()


def test_a_worker_store_is_not_merged_into_itself(tmp_path, two_workers):
    outs, _ = two_workers
    with pytest.raises(MergeError, match="is the target"):
        merge_stores(outs[0], outs)


def test_a_killed_worker_run_again_completes_the_set(tmp_path, redis_url, single):
    outs = [tmp_path / "killed", tmp_path / "steady"]
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        settle_flaky_pages(portal.base_url)
        killed = subprocess.Popen(worker(portal.base_url, outs[0], redis_url, "kill"), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        _wait_for_captures(killed, outs[0], 3)  # the first pages, then the second worker joins
        steady = subprocess.Popen(worker(portal.base_url, outs[1], redis_url, "kill"), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        _wait_for_captures(killed, outs[0], 7)
        os.kill(killed.pid, signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        _wait(steady)
        claimed = _unfinished_claims(outs[0])
        before = without_robots(captures(outs[0])) + without_robots(captures(outs[1]))
        again = subprocess.run(worker(portal.base_url, outs[0], redis_url, "kill"), capture_output=True, text=True,
                               timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
    assert claimed > 0, "the killed worker held requests nobody else would fetch"
    assert before != single.captures, "the set was incomplete before the killed worker ran again"
    found = [without_robots(captures(out)) for out in outs]
    assert not set(found[0]) & set(found[1])
    assert found[0] + found[1] == single.captures


def _wait_for_captures(process: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while _captured(out) < count:
        assert process.poll() is None and time.monotonic() < deadline, "the worker ended before the kill"
        time.sleep(0.02)


def _captured(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / 'captures.db'}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _unfinished_claims(out: Path) -> int:
    db = sqlite3.connect(out / "captures.db")
    try:
        return db.execute("SELECT COUNT(*) FROM claims WHERE run_id IN (SELECT id FROM runs WHERE finished_at IS NULL)"
                          ).fetchone()[0]
    finally:
        db.close()


def test_the_setting_switches_to_the_scrapy_redis_scheduler_and_dupefilter():
    from scrapy.settings import Settings

    from crawler.distributed import DistributedAddon

    settings = Settings({"DISTRIBUTED": True, "DISTRIBUTED_JOB": "2026-11"})
    DistributedAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.distributed.ClaimingScheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST")
    assert settings["SCHEDULER_QUEUE_KEY"] % {"spider": "reports"} == "govreports:2026-11:reports:requests"
    plain = Settings({"DISTRIBUTED": False})
    DistributedAddon().update_settings(plain)
    assert plain.get("SCHEDULER_QUEUE_KEY") is None
