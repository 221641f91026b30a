"""Raw store parts on their own: file store, WARC rotation, versions, reports.jsonl resolution and
merging, retry backoff, politeness overrides."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.run import project_settings
from crawler.spiders.reports import ReportsSpider
from crawler.store.files import FileStore
from crawler.store.index import CaptureIndex
from crawler.store.reports import build_reports
from crawler.store.warc import Exchange, WarcFiles


def exchange(url: str, body: bytes, status: int = 200) -> Exchange:
    return Exchange(url, "GET", [("User-Agent", "govreports/test")], b"", status, "OK",
                    [("Content-Type", "application/pdf"), ("Transfer-Encoding", "chunked")], body,
                    datetime(2026, 11, 23, tzinfo=UTC))


def test_file_store_writes_each_content_once(tmp_path):
    store = FileStore(tmp_path)
    body = b"%PDF-1.4 report"
    digest = hashlib.sha256(body).hexdigest()
    first = store.put(digest, "pdf", body)
    assert store.put(digest, "pdf", body) == first == f"files/{digest[:2]}/{digest}.pdf"
    assert (tmp_path / first).read_bytes() == body
    assert len(list(tmp_path.rglob("*.pdf"))) == 1


def test_warc_rotates_by_size_and_renames_transfer_encoding(tmp_path):
    warc = WarcFiles(tmp_path, "t", max_size=2000)
    body = random.Random(7).randbytes(5000)  # incompressible, so each record outgrows max_size
    positions = [warc.write(exchange(f"http://x.gov.cn/{n}.pdf", body)) for n in range(3)]
    warc.close()
    assert len({position.file for position in positions}) == 3
    with (tmp_path / positions[1].file).open("rb") as stream:
        stream.seek(positions[1].offset)
        record = next(iter(ArchiveIterator(stream, check_digests="raise")))
        assert record.rec_headers.get_header("WARC-Target-URI") == "http://x.gov.cn/1.pdf"
        assert record.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
        assert record.http_headers.get_header("Transfer-Encoding") is None
        assert record.content_stream().read() == body


def test_versions_count_distinct_bytes_per_url(tmp_path):
    index = CaptureIndex(tmp_path / "captures.db")
    for digest in ("a", "a", "b"):
        index.add_capture(url="http://x/1", fetched_at="t", outcome="ok", sha256=digest,
                          version=index.version_of("http://x/1", digest))
    versions = [row[0] for row in index.db.execute("SELECT version FROM captures ORDER BY id")]
    assert versions == [1, 1, 2]
    assert index.version_of("http://x/1", "c") == 3 and index.version_of("http://x/1", "a") == 1


def _capture(index: CaptureIndex, url: str, outcome: str = "ok", final_url: str | None = None, sha: str = "s1"):
    index.add_capture(url=url, final_url=final_url or url, fetched_at="t", outcome=outcome, sha256=sha,
                      media_type="application/pdf", size=3, path=f"files/{sha}.pdf" if outcome == "ok" else None)


def test_reports_follow_redirects_and_merge_a_document_linked_twice(tmp_path):
    index = CaptureIndex(tmp_path / "captures.db")
    _capture(index, "http://x/page.html", sha="p")
    _capture(index, "http://x/old.pdf", "redirect", final_url="http://x/new.pdf", sha="r")
    _capture(index, "http://x/new.pdf", sha="d")
    report = {"page_url": "http://x/page.html", "portal": "x", "title": "t", "listing_title": "t", "year": 2023,
              "published": None, "body": "b", "inline": False, "direct": False, "listing_url": None}
    index.add_report(report, ["http://x/old.pdf", "http://x/new.pdf"])
    index.add_report({**report, "page_url": "http://x/new.pdf", "direct": True}, ["http://x/new.pdf"])
    index.commit()
    db = sqlite3.connect(tmp_path / "captures.db")
    db.row_factory = sqlite3.Row
    [record] = build_reports(db)
    assert record["page_url"] == "http://x/page.html"
    assert [item["url"] for item in record["attachments"]] == ["http://x/new.pdf"]


def test_a_later_failed_fetch_keeps_the_stored_document_in_the_report(tmp_path):
    index = CaptureIndex(tmp_path / "captures.db")
    _capture(index, "http://x/a.pdf", sha="good")
    index.add_capture(url="http://x/a.pdf", fetched_at="t2", outcome="timeout")
    index.add_report({"page_url": "http://x/a.pdf", "portal": "x", "title": "t", "listing_title": "t", "year": 2023,
                      "published": None, "body": "b", "inline": False, "direct": True, "listing_url": None},
                     ["http://x/a.pdf"])
    index.commit()
    db = sqlite3.connect(tmp_path / "captures.db")
    db.row_factory = sqlite3.Row
    [record] = build_reports(db)
    assert [item["sha256"] for item in record["attachments"]] == ["good"] and record["missing"] == []


def test_retry_waits_exponentially_with_a_cap():
    settings = Settings({"RETRY_ENABLED": True, "RETRY_BACKOFF_BASE": 2.0, "RETRY_BACKOFF_MAX": 10.0})
    middleware = BackoffRetryMiddleware(settings)
    assert [middleware.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_seed_politeness_overrides_become_download_slots(tmp_path: Path):
    seeds = tmp_path / "portals.csv"
    seeds.write_text("name,homepage,delay,concurrency\nA,https://www.a.gov.cn/,3,1\nB,https://b.gov.cn/,,\n")
    crawler = Crawler(ReportsSpider, project_settings(tmp_path))
    crawler._create_spider(seeds=str(seeds))
    assert crawler.settings.getdict("DOWNLOAD_SLOTS") == {"www.a.gov.cn": {"delay": 3.0, "concurrency": 1}}
