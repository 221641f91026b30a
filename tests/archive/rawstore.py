"""A small crawl raw store, generated: captures.db (the crawler's capture index columns), reports.jsonl, files/."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from archive.synthetic import make_record

CAPTURES_SQL = """
CREATE TABLE captures (
    id INTEGER PRIMARY KEY, run_id INTEGER, url TEXT NOT NULL, final_url TEXT, method TEXT, status INTEGER,
    fetched_at TEXT NOT NULL, sha256 TEXT, media_type TEXT, size INTEGER, content_type TEXT, warc_file TEXT,
    warc_offset INTEGER, warc_record_id TEXT, portal TEXT, referrer TEXT, role TEXT, outcome TEXT NOT NULL,
    reason TEXT, codec TEXT, version INTEGER, revisit_of INTEGER, path TEXT
)
"""


def store_file(root: Path, data: bytes, ext: str) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    relative = f"files/{sha[:2]}/{sha}.{ext}"
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes(data)
    return sha, relative


def make_raw_store(root: Path, portal: str = "smx") -> dict:
    """A report page (HTML with a script in it) and its PDF attachment, fetched once each."""
    root.mkdir(parents=True, exist_ok=True)
    pdf = b"%PDF-1.4\n% a report\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    page = "<html><body><script>alert('page')</script>党政办公室2023年政府信息公开工作年度报告</body></html>".encode()
    pdf_sha, pdf_path = store_file(root, pdf, "pdf")
    page_sha, page_path = store_file(root, page, "html")
    page_url = "http://www.smx.gov.cn/zfxxgk/zfxxgknb/202401/t20240119_1.html"
    pdf_url = "http://www.smx.gov.cn/zfxxgk/zfxxgknb/202401/P020240119.pdf"
    conn = sqlite3.connect(root / "captures.db")
    conn.execute(CAPTURES_SQL)
    rows = [
        (
            page_url,
            page_url,
            200,
            "2024-02-01T10:00:00.000Z",
            page_sha,
            "text/html",
            len(page),
            "crawl-00001.warc.gz",
            0,
            portal,
            None,
            "report_page",
            page_path,
        ),
        (
            pdf_url,
            pdf_url,
            200,
            "2024-02-01T10:00:05.000Z",
            pdf_sha,
            "application/pdf",
            len(pdf),
            "crawl-00001.warc.gz",
            4096,
            portal,
            page_url,
            "attachment",
            pdf_path,
        ),
        (
            "http://www.smx.gov.cn/missing.pdf",
            None,
            404,
            "2024-02-01T10:00:06.000Z",
            None,
            None,
            None,
            "crawl-00001.warc.gz",
            8192,
            portal,
            page_url,
            "http_error",
            None,
        ),
    ]
    conn.executemany(
        "INSERT INTO captures (url, final_url, status, fetched_at, sha256, media_type, size, warc_file, warc_offset, "
        "portal, referrer, outcome, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()
    entry = {
        "page_url": page_url,
        "title": "党政办公室2023年政府信息公开工作年度报告",
        "year": 2023,
        "published": "2024-01-19",
        "body": "党政办公室",
        "portal": portal,
        "page": {"url": page_url, "sha256": page_sha, "media_type": "text/html", "path": page_path},
        "inline": False,
        "attachments": [
            {"url": pdf_url, "sha256": pdf_sha, "media_type": "application/pdf", "size": len(pdf), "path": pdf_path}
        ],
        "metadata": {"SiteIDCode": "4112000001", "索引号": "11411200MB1234567X/2024-00001"},
    }
    (root / "reports.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"pdf_sha": pdf_sha, "page_sha": page_sha, "page_url": page_url, "pdf_url": pdf_url}


def stored_pdf_record(info: dict) -> dict:
    """A record of the store's report (党政办公室, 2023) whose source is the PDF attachment make_raw_store stored."""
    record = make_record(body="党政办公室", year=2023, seed=3)
    record["source"] = {"path": "x.pdf", "sha256": info["pdf_sha"], "media_type": "application/pdf", "size": 60}
    return record
