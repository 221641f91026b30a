"""Re-crawling the mock portal into the same raw store (crawler.incremental): conditional requests answered
304 are served from the stored copy, unchanged bytes are revisits, a replaced report is a new version, and
pages that disappeared (404, redirect to the home page) are dated `gone` events while the archive keeps them."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawler.conftest import MAXSIZE, run_crawl
from tests.portal.documents import tiny_pdf
from tests.portal.server import serve_portal
from tests.portal.site import Page, build_site, page

LISTING = "/zwgk/zfxxgknb/"  # ETag: answered 304 on the re-crawl
DETAIL_2022 = "/zwgk/zfxxgknb/202301/t20230120_901.html"  # ETag: 304, its attachments found in the stored copy
REPLACED = "/zwgk/zfxxgknb/202301/P020230120.pdf"  # Last-Modified; new bytes between the crawls
REMOVED = "/bm/jtj/art/2023/1/18/art_123_4001.html"  # 404 on the re-crawl
MOVED_HOME = "/zwgk/zfxxgknb/202401/t20240119_1001.html"  # redirects to the home page on the re-crawl
SOFT_GONE = "/bm/jtj/art/2024/1/20/art_123_5001.html"  # 200 "页面不存在" on the re-crawl


def _with_validators(site: dict[str, Page]) -> dict[str, Page]:
    site[LISTING].headers["ETag"] = '"listing-v1"'
    site[DETAIL_2022].headers["ETag"] = '"detail-2022-v1"'
    site[REPLACED].headers["Last-Modified"] = "Fri, 20 Jan 2023 08:00:00 GMT"
    return site


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("incremental")
    with serve_portal(huge_size=3 * MAXSIZE, pages=_with_validators(build_site())) as portal:
        run_crawl(portal, out)
        before = {
            "removed": portal.pages[REMOVED].body, "moved": portal.pages[MOVED_HOME].body,
            "replaced": portal.pages[REPLACED].body, "soft": portal.pages[SOFT_GONE].body,
        }
        portal.pages[REPLACED] = Page(tiny_pdf("Report 2022 city, corrected"), "application/pdf",
                                      headers={"Last-Modified": "Mon, 01 Apr 2024 08:00:00 GMT"})
        del portal.pages[REMOVED]
        portal.pages[MOVED_HOME] = Page(b"", status=302, headers={"Location": "/"})
        portal.pages[SOFT_GONE] = page("页面不存在", "<p>对不起，您访问的页面不存在或已被删除！</p>")
        hits_before = dict(portal.hits)
        run_crawl(portal, out)
        hits_second = {path: count - hits_before.get(path, 0) for path, count in portal.hits.items()}
    db = sqlite3.connect(out / "captures.db")
    db.row_factory = sqlite3.Row
    return portal, out, db, before, hits_second


def _second_run(db) -> int:
    return db.execute("SELECT MAX(id) FROM runs").fetchone()[0]


def test_validators_are_sent_and_a_304_is_answered_from_the_stored_copy(recrawl):
    portal, out, db, _, hits = recrawl
    assert portal.not_modified[LISTING] == 1 and portal.not_modified[DETAIL_2022] == 1
    rows = db.execute(
        "SELECT url, status, outcome, revisit_of, sha256 FROM captures WHERE run_id = ? AND status = 304",
        (_second_run(db),),
    ).fetchall()
    assert {row["url"][len(portal.base_url):] for row in rows} == {LISTING, DETAIL_2022}
    for row in rows:
        original = db.execute("SELECT url, sha256, outcome FROM captures WHERE id = ?", (row["revisit_of"],)).fetchone()
        assert row["outcome"] == "not_modified" and original["url"] == row["url"] and original["outcome"] == "ok"
        assert row["sha256"] == original["sha256"]
    # The listing and the report page behind the 304s were parsed from the stored copies: the pages
    # they link were visited again, and the report of the 304 page is still found with both files.
    assert hits["/zwgk/zfxxgknb/index_1.html"] == 1 and hits["/zwgk/zfxxgknb/202301/P020230120.docx"] == 1
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    report_2022 = next(r for r in reports if r["page_url"].endswith(DETAIL_2022))
    assert report_2022["page"]["path"] and len(report_2022["attachments"]) == 2


def test_a_304_is_a_server_not_modified_revisit_record_naming_the_capture_it_confirms(recrawl):
    _, out, db, _, _ = recrawl
    rows = db.execute("SELECT url, warc_file, warc_offset, revisit_of FROM captures WHERE run_id = ? AND status = 304",
                      (_second_run(db),)).fetchall()
    assert len(rows) == 2
    for row in rows:
        confirmed = db.execute("SELECT url, fetched_at, warc_record_id FROM captures WHERE id = ?",
                               (row["revisit_of"],)).fetchone()
        with (out / "warc" / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "revisit" and record.http_headers.get_statuscode() == "304"
            assert record.raw_stream.read() == b""
        headers = record.rec_headers
        assert headers.get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
        assert headers.get_header("WARC-Refers-To-Target-URI") == confirmed["url"] == row["url"]
        assert headers.get_header("WARC-Refers-To-Date")[:19] == confirmed["fetched_at"][:19]
        assert headers.get_header("WARC-Refers-To") == confirmed["warc_record_id"]


def test_second_crawl_stores_nothing_unchanged(recrawl):
    portal, out, db, _, _ = recrawl
    run = _second_run(db)
    warc_files = {row[0] for row in db.execute(
        "SELECT DISTINCT warc_file FROM captures WHERE run_id = ? AND warc_file IS NOT NULL", (run,))}
    full_records = []
    for name in warc_files:
        with (out / "warc" / name).open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.raw_stream.read():
                    full_records.append(record.rec_headers.get_header("WARC-Target-URI")[len(portal.base_url):])
    assert sorted(full_records) == sorted([REPLACED, SOFT_GONE])  # the only new bytes on the portal
    unchanged = db.execute(
        "SELECT url, status, revisit_of FROM captures WHERE run_id = ? AND sha256 IS NOT NULL AND url NOT LIKE ? "
        "AND url NOT LIKE ?", (run, f"%{REPLACED}", f"%{SOFT_GONE}"),
    ).fetchall()
    assert unchanged and all(row["revisit_of"] is not None for row in unchanged)


def test_a_replaced_report_is_a_new_version_and_the_old_one_is_kept(recrawl):
    portal, out, db, before, _ = recrawl
    versions = db.execute("SELECT version, sha256, path FROM captures WHERE url LIKE ? AND outcome = 'ok' ORDER BY id",
                          (f"%{REPLACED}",)).fetchall()
    assert [row["version"] for row in versions] == [1, 2]
    assert (out / versions[0]["path"]).read_bytes() == before["replaced"]
    assert versions[1]["sha256"] == hashlib.sha256(portal.pages[REPLACED].body).hexdigest()


@pytest.mark.parametrize(("path", "outcome", "status"), [
    (REMOVED, "not_found", 404), (MOVED_HOME, "redirect", 302), (SOFT_GONE, "soft_404", 200),
])
def test_a_page_that_disappeared_is_a_dated_gone_event_and_the_archive_keeps_it(recrawl, path, outcome, status):
    portal, out, db, before, _ = recrawl
    event = db.execute("SELECT * FROM events WHERE kind = 'gone' AND url = ?", (portal.base_url + path,)).fetchone()
    assert event is not None and event["run_id"] == _second_run(db) and event["at"].startswith("20")
    data = json.loads(event["data"])
    assert data["outcome"] == outcome and data["status"] == status
    archived = db.execute("SELECT path, sha256 FROM captures WHERE id = ?", (data["archived_capture"],)).fetchone()
    body = before[{REMOVED: "removed", MOVED_HOME: "moved", SOFT_GONE: "soft"}[path]]
    assert archived["sha256"] == hashlib.sha256(body).hexdigest() and (out / archived["path"]).read_bytes() == body
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    report = next(r for r in reports if r["page_url"] == portal.base_url + path)
    assert report["page"]["sha256"] == archived["sha256"]


def test_a_redirect_to_the_home_page_is_not_taken_for_the_report(recrawl):
    portal, out, _, _, _ = recrawl
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(reports) == 10
    assert all(r["page_url"] != portal.base_url + "/" for r in reports)
