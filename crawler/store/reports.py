"""`<out>/reports.jsonl`: one line per report, rebuilt from the capture index at the end of every run.

A report's URLs are resolved through the index: redirects are followed to the URL that answered, only
captures with outcome "ok" count (blocked pages, soft 404s or HTML served as PDF never become a
report's bytes), and a URL reached twice is listed once. A document linked both as a report of its
own (a listing entry pointing straight at the PDF) and from a report's detail page is one report.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

_MAX_REDIRECTS = 10


def _latest(db: sqlite3.Connection, url: str) -> sqlite3.Row | None:
    """The latest good capture of `url`, else its latest capture. A 304 (crawler.incremental) only confirms
    an earlier capture, and a page that later disappeared (404, soft 404, redirect to the home page) keeps
    its archived copy: the report still points at it; the disappearance is a `gone` event."""
    return db.execute(
        "SELECT * FROM captures WHERE url = ? AND outcome NOT IN ('robots_disallowed', 'not_modified') "
        "ORDER BY outcome = 'ok' DESC, id DESC LIMIT 1", (url,)
    ).fetchone()


def resolve(db: sqlite3.Connection, url: str) -> tuple[str, sqlite3.Row | None]:
    """The URL that finally answered for `url` (following recorded redirects) and its latest capture."""
    seen = {url}
    capture = _latest(db, url)
    while capture is not None and capture["outcome"] == "redirect" and len(seen) <= _MAX_REDIRECTS:
        target = capture["final_url"]
        if not target or target in seen:
            break
        seen.add(target)
        url, capture = target, _latest(db, target)
    return url, capture


def _representation(capture: sqlite3.Row, url: str) -> dict[str, Any]:
    return {"url": url, "sha256": capture["sha256"], "media_type": capture["media_type"], "size": capture["size"],
            "path": capture["path"]}


def _stored(capture: sqlite3.Row | None) -> bool:
    return capture is not None and capture["outcome"] == "ok" and capture["path"] is not None


def build_reports(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every report the index knows, as the reports.jsonl records (see common.md for the contract)."""
    records: dict[str, dict[str, Any]] = {}
    for row in db.execute("SELECT * FROM reports ORDER BY page_url"):
        page_url, page_capture = resolve(db, row["page_url"])
        record = records.get(page_url)
        if record is None:
            record = records[page_url] = {
                "page_url": page_url, "title": row["title"], "listing_title": row["listing_title"],
                "year": row["year"], "published": row["published"], "body": row["body"], "portal": row["portal"],
                "page": None, "inline": bool(row["inline"]), "attachments": [], "missing": [],
                "metadata": json.loads(row["metadata"] or "{}"), "direct": bool(row["direct"]),
            }
            if not row["direct"] and _stored(page_capture):
                record["page"] = _representation(page_capture, page_url)
                record["page"].pop("size")
        known = {item["url"] for item in record["attachments"] + record["missing"]}
        files = db.execute("SELECT url FROM report_files WHERE page_url = ? ORDER BY url", (row["page_url"],))
        for (link,) in files:
            url, capture = resolve(db, link)
            if url in known:
                continue
            known.add(url)
            if _stored(capture):
                record["attachments"].append(_representation(capture, url))
            else:
                record["missing"].append({"url": url, "outcome": capture["outcome"] if capture else "not_fetched"})
    return _merge_direct_documents(list(records.values()))


def _merge_direct_documents(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop a listing entry that pointed straight at a document another report already holds."""
    held = {
        (item["url"], item["sha256"])
        for record in records if not record["direct"] for item in record["attachments"]
    }
    held_urls = {url for url, _ in held}
    held_digests = {digest for _, digest in held}
    kept = []
    for record in records:
        documents = record["attachments"]
        duplicate = record["direct"] and documents and all(
            item["url"] in held_urls or item["sha256"] in held_digests for item in documents
        )
        if not duplicate:
            kept.append({key: value for key, value in record.items() if key != "direct"})
    return kept


def write_reports(captures_db: Path, target: Path) -> int:
    """Rewrite `target` atomically from the index; return the number of reports written."""
    db = sqlite3.connect(captures_db)
    db.row_factory = sqlite3.Row
    try:
        records = build_reports(db)
    finally:
        db.close()
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(temporary, target)
    return len(records)
