"""Kill and resume (crawler.resume): `govreports crawl` killed with SIGKILL in the middle of a crawl, then
run again with the same command, ends with exactly the captures of an uninterrupted crawl, none twice;
what the killed run captured is answered from the raw store, and every WARC file reads to its end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawler.conftest import MAXSIZE
from tests.portal.server import FLAKY_PATHS, serve_portal

GOVREPORTS = shutil.which("govreports", path=str(Path(sys.executable).parent))
# Slow and sequential enough that the kill lands in the middle; every capture committed at once.
SETTINGS = ["AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0.15", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            f"DOWNLOAD_MAXSIZE={MAXSIZE}", "WARC_MAX_SIZE=30000", "INDEX_COMMIT_SECONDS=0", "RETRY_BACKOFF_BASE=0.1"]


def command(base_url: str, out: Path) -> list[str]:
    options = [part for setting in SETTINGS for part in ("--set", setting)]
    return [GOVREPORTS, "crawl", "--url", f"{base_url}/", "--out", str(out), *options]


def settle_flaky_pages(base_url: str) -> None:
    """The mock portal answers 503 to the first request of a flaky page; spend it before crawling, so
    that both crawls see the same answers whenever the kill lands."""
    for path in FLAKY_PATHS:
        try:
            urllib.request.urlopen(base_url + path, timeout=10).read()
        except urllib.error.HTTPError:
            pass


def captures(out: Path) -> Counter:
    db = sqlite3.connect(out / "captures.db")
    rows = db.execute("SELECT method, url, status, outcome FROM captures").fetchall()
    db.close()
    return Counter((method, url.split("/", 3)[3], status, outcome) for method, url, status, outcome in rows)


def reports(out: Path) -> set[tuple]:
    """Reports with their attachments by path (the mock's DOCX files differ in bytes between two portals)."""
    lines = (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    return {
        (r["page_url"].split("/", 3)[3], r["title"], tuple(sorted(a["url"].split("/", 3)[3] for a in r["attachments"])))
        for r in records
    }


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory):
    reference = tmp_path_factory.mktemp("uninterrupted")
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        settle_flaky_pages(portal.base_url)
        done = subprocess.run(command(portal.base_url, reference), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path_factory.mktemp("killed")
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        settle_flaky_pages(portal.base_url)
        process = subprocess.Popen(command(portal.base_url, out), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while sum(portal.hits.values()) < 16 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        killed = captures(out)
        jobdir_after_kill = (out / "job").exists()
        hits_before = sum(portal.hits.values())
        resumed = subprocess.run(command(portal.base_url, out), capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        hits_resumed = sum(portal.hits.values()) - hits_before
    return reference, out, killed, jobdir_after_kill, hits_resumed, json.loads(resumed.stdout)


def test_the_kill_left_an_unfinished_run_with_part_of_the_captures(killed_and_resumed):
    reference, out, killed, jobdir_after_kill, _, _ = killed_and_resumed
    db = sqlite3.connect(out / "captures.db")
    first = db.execute("SELECT finished_at FROM runs ORDER BY id LIMIT 1").fetchone()
    assert first[0] is None and jobdir_after_kill
    assert 0 < sum(killed.values()) < sum(captures(reference).values())


def test_resumed_crawl_has_the_captures_of_an_uninterrupted_crawl_none_twice(killed_and_resumed):
    reference, out, _, _, _, summary = killed_and_resumed
    assert captures(out) == captures(reference)
    assert max(captures(out).values()) == 1
    assert reports(out) == reports(reference) and len(reports(out)) == 10
    assert summary["finish_reason"] == "finished" and summary["run"]["mode"] == "resume"
    assert summary["run"]["resumed_runs"] == [1]


def test_what_the_killed_run_captured_is_not_fetched_again(killed_and_resumed):
    reference, out, killed, _, hits_resumed, _ = killed_and_resumed
    db = sqlite3.connect(out / "captures.db")
    second_run = db.execute("SELECT COUNT(*) FROM captures WHERE run_id = 2").fetchone()[0]
    assert second_run == sum(captures(reference).values()) - sum(killed.values())
    # The server saw only the requests the killed run had not captured (and the huge file, abandoned).
    assert hits_resumed <= second_run + 1


def test_every_warc_file_reads_to_its_end_and_every_capture_points_at_its_record(killed_and_resumed):
    _, out, _, _, _, _ = killed_and_resumed
    starts = {}
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                record.raw_stream.read()
                starts[(path.name, iterator.get_record_offset())] = record.rec_headers.get_header("WARC-Target-URI")
            assert iterator.get_record_offset() + iterator.get_record_length() == path.stat().st_size
    db = sqlite3.connect(out / "captures.db")
    for url, warc_file, offset in db.execute("SELECT url, warc_file, warc_offset FROM captures "
                                             "WHERE warc_file IS NOT NULL"):
        assert starts[(warc_file, offset)] == url


def test_a_clean_pause_keeps_the_jobdir_and_the_same_command_continues_from_it(tmp_path, killed_and_resumed):
    reference = killed_and_resumed[0]
    out = tmp_path / "paused"
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        settle_flaky_pages(portal.base_url)
        process = subprocess.Popen(command(portal.base_url, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        deadline = time.monotonic() + 120
        while sum(portal.hits.values()) < 12 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)  # Ctrl-C once: Scrapy's graceful shutdown
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr[-3000:]
        paused = sum(captures(out).values())
        continued = subprocess.run(command(portal.base_url, out), capture_output=True, text=True, timeout=300)
        assert continued.returncode == 0, continued.stderr[-3000:]
    db = sqlite3.connect(out / "captures.db")
    first = json.loads(db.execute("SELECT stats FROM runs WHERE id = 1").fetchone()[0])
    assert first["finish_reason"] == "shutdown" and 0 < paused < sum(captures(reference).values())
    event = json.loads(db.execute("SELECT data FROM events WHERE kind = 'run_resumed'").fetchone()[0])
    assert event == {"resumes": [1], "jobdir_kept": True}
    assert "Resuming crawl" in continued.stderr  # Scrapy read its queue back from the JOBDIR
    assert captures(out) == captures(reference) and max(captures(out).values()) == 1


def _run(db, finished_at, reason):
    stats = json.dumps({"finish_reason": reason}) if reason else None
    db.execute("INSERT INTO runs (started_at, finished_at, stats) VALUES ('2026-11-01', ?, ?)", (finished_at, stats))


def test_runs_after_the_last_finished_one_are_the_incomplete_ones(tmp_path):
    from crawler.resume import incomplete_runs
    from crawler.store.index import CaptureIndex

    index = CaptureIndex(tmp_path / "captures.db")
    for finished_at, reason in [("t", "finished"), (None, None), ("t", "shutdown"), ("t", "finished"),
                                (None, None), ("t", "closespider_pagecount")]:
        _run(index.db, finished_at, reason)
    index.commit()
    assert [row["id"] for row in incomplete_runs(index.db)] == [5, 6]


def test_a_killed_runs_warc_is_cut_after_its_last_indexed_record(tmp_path):
    from datetime import UTC, datetime

    from crawler.resume import repair_warc_tails
    from crawler.store.index import CaptureIndex
    from crawler.store.warc import Exchange, WarcFiles

    index = CaptureIndex(tmp_path / "captures.db")
    _run(index.db, None, None)
    warc = WarcFiles(tmp_path / "warc", "test", 10**9)
    positions = []
    for number in range(3):
        exchange = Exchange(f"http://a.gov.cn/{number}", "GET", [], b"", 200, "OK", [("Content-Type", "text/plain")],
                            f"page {number}".encode(), datetime.now(UTC))
        positions.append(warc.write(exchange))
    warc.close()
    path = tmp_path / "warc" / positions[0].file
    full_size = path.stat().st_size
    with path.open("ab") as stream:
        stream.write(b"\x1f\x8b\x08\x00half a record")  # what a kill in the middle of a write leaves
    for number, position in enumerate(positions[:2]):  # the third capture never reached the index
        index.add_capture(run_id=1, url=f"http://a.gov.cn/{number}", fetched_at="t", outcome="ok",
                          warc_file=position.file, warc_offset=position.offset)
    index.commit()
    assert repair_warc_tails(tmp_path, index.db, [1]) == [positions[0].file]
    assert path.stat().st_size == positions[2].offset < full_size
    with path.open("rb") as stream:
        uris = [record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(stream)
                if record.rec_type == "response"]
    assert uris == ["http://a.gov.cn/0", "http://a.gov.cn/1"]
