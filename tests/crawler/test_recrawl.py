"""Crawling the same portal twice into one raw store: unchanged bytes are revisits (not stored again),
changed bytes are a new version (the old one kept), and reports.jsonl describes the whole store."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawler.conftest import MAXSIZE, run_crawl
from tests.portal.documents import tiny_pdf
from tests.portal.server import serve_portal
from tests.portal.site import Page

CHANGED = "/zwgk/zfxxgknb/202401/P020240119.pdf"


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    out = tmp_path_factory.mktemp("recrawl")
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        run_crawl(portal, out)
        first_bytes = portal.pages[CHANGED].body
        portal.pages[CHANGED] = Page(tiny_pdf("Report 2023 city, corrected"), "application/pdf")
        run_crawl(portal, out)
    return portal, out, first_bytes


def test_unchanged_bytes_are_recorded_as_revisits(twice):
    _, out, _ = twice
    db = sqlite3.connect(out / "captures.db")
    second_run = db.execute("SELECT MAX(id) FROM runs").fetchone()[0]
    rows = db.execute(
        "SELECT url, revisit_of FROM captures WHERE run_id = ? AND status = 200 AND url NOT LIKE ?",
        (second_run, f"%{CHANGED}"),
    ).fetchall()
    assert rows and all(revisit_of is not None for _, revisit_of in rows)
    revisits = 0
    for path in (out / "warc").glob("*.warc.gz"):
        with path.open("rb") as stream:
            revisits += sum(1 for record in ArchiveIterator(stream) if record.rec_type == "revisit")
    assert revisits >= len(rows)


def test_changed_bytes_are_a_new_version_and_the_old_one_is_kept(twice):
    portal, out, first_bytes = twice
    db = sqlite3.connect(out / "captures.db")
    versions = db.execute(
        "SELECT version, sha256, path FROM captures WHERE url LIKE ? ORDER BY id", (f"%{CHANGED}",)
    ).fetchall()
    assert [version for version, _, _ in versions] == [1, 2]
    old, new = versions
    assert old[1] == hashlib.sha256(first_bytes).hexdigest() and (out / old[2]).read_bytes() == first_bytes
    assert new[1] == hashlib.sha256(portal.pages[CHANGED].body).hexdigest() and (out / new[2]).exists()


def test_reports_file_describes_the_whole_store_once(twice):
    portal, out, _ = twice
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(reports) == 10
    report = next(r for r in reports if any(a["url"].endswith(CHANGED) for a in r["attachments"]))
    assert report["attachments"][0]["sha256"] == hashlib.sha256(portal.pages[CHANGED].body).hexdigest()
