"""Merging raw stores (crawler.merge) on stores built here: versions and revisits are judged across workers,
a worker that crawled on is merged again with only its new captures, WARC name clashes are refused."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.merge import MergeError, merge_stores
from crawler.store.index import iso
from crawler.store.raw import RawStore
from crawler.store.warc import Exchange

URL = "http://x.gov.cn/report.pdf"


def capture(store: RawStore, url: str, body: bytes, second: int) -> None:
    """One ok capture of `body` at `url`, fetched at 00:00:`second`, stored as the crawler stores it."""
    fetched_at = datetime(2026, 11, 23, 0, 0, second, tzinfo=UTC)
    position = store.warc.write(Exchange(url, "GET", [], b"", 200, "OK", [("Content-Type", "application/pdf")], body,
                                         fetched_at))
    sha256 = hashlib.sha256(body).hexdigest()
    store.index.add_capture(
        url=url, final_url=url, method="GET", status=200, fetched_at=iso(fetched_at), sha256=sha256,
        media_type="application/pdf", size=len(body), warc_file=position.file, warc_offset=position.offset,
        warc_record_id=position.record_id, portal="x", role="attachment", outcome="ok",
        version=store.index.version_of(url, sha256), path=store.files.put(sha256, "pdf", body),
    )


def worker(path: Path, captures: list[tuple[str, bytes, int]]) -> Path:
    store = RawStore(path, 10**9)
    store.index.start_run("reports", [], {})
    for url, body, second in captures:
        capture(store, url, body, second)
    store.index.finish_run({"finish_reason": "finished"})
    store.close()
    return path


def merged_captures(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "captures.db")
    try:
        rows = db.execute("SELECT id, url, version, revisit_of, sha256 FROM captures ORDER BY id").fetchall()
    finally:
        db.close()
    return rows


def test_versions_and_revisits_are_judged_across_workers(tmp_path):
    first = worker(tmp_path / "w1", [(URL, b"%PDF-1 old", 1)])
    second = worker(tmp_path / "w2", [(URL, b"%PDF-1 new", 2), ("http://x.gov.cn/copy.pdf", b"%PDF-1 old", 3)])
    merge_stores(tmp_path / "merged", [second, first])
    rows = merged_captures(tmp_path / "merged")
    assert [(url, version) for _, url, version, _, _ in rows] == [
        (URL, 1), (URL, 2), ("http://x.gov.cn/copy.pdf", 1)]  # in fetch order, whichever worker
    assert rows[2][3] == rows[0][0]  # the old bytes, captured again by the other worker: a revisit of the first
    assert rows[0][3] is None and rows[1][3] is None
    stored = sorted(path.name for path in (tmp_path / "merged" / "files").glob("*/*"))
    assert stored == sorted(f"{hashlib.sha256(body).hexdigest()}.pdf" for body in (b"%PDF-1 old", b"%PDF-1 new"))


def test_a_worker_that_crawled_on_is_merged_again_with_only_its_new_captures(tmp_path):
    first = worker(tmp_path / "w1", [(URL, b"%PDF-1 a", 1)])
    merge_stores(tmp_path / "merged", [first])
    store = RawStore(first, 10**9)
    store.index.start_run("reports", [], {})
    capture(store, URL, b"%PDF-1 b", 5)
    store.index.finish_run({"finish_reason": "finished"})
    store.close()
    summary = merge_stores(tmp_path / "merged", [first])
    assert summary.added["captures"] == 1 and summary.added["runs"] == 1
    assert [(url, version) for _, url, version, _, _ in merged_captures(tmp_path / "merged")] == [(URL, 1), (URL, 2)]


def test_a_warc_file_name_claimed_by_another_worker_is_refused(tmp_path):
    first = worker(tmp_path / "w1", [(URL, b"%PDF-1 a", 1)])
    second = worker(tmp_path / "w2", [(URL, b"%PDF-1 b", 2)])
    name = next((first / "warc").iterdir()).name
    for path in (second / "warc").iterdir():
        path.rename(path.with_name(name))
    with pytest.raises(MergeError, match="has the name of one from"):
        merge_stores(tmp_path / "merged", [first, second])


def test_a_directory_without_a_capture_index_is_not_a_raw_store(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MergeError, match="not a raw store"):
        merge_stores(tmp_path / "merged", [tmp_path / "empty"])
