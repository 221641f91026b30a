"""The capture index, `<out>/captures.db` (stdlib sqlite3: the crawler knows nothing of the archive's schema).

Tables: `captures` (one row per HTTP exchange or failed fetch), `runs`, `hosts` (robots.txt decisions),
`events` (exclusions, robots refusals, abandoned downloads...), and what the spider discovered:
`reports` and `report_files` (the URLs that belong to each report), from which reports.jsonl is built.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, spider TEXT,
    start_urls TEXT, settings TEXT, stats TEXT
);
CREATE TABLE IF NOT EXISTS captures (
    id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id), url TEXT NOT NULL, final_url TEXT,
    method TEXT, status INTEGER, fetched_at TEXT NOT NULL, sha256 TEXT, media_type TEXT, size INTEGER,
    content_type TEXT, warc_file TEXT, warc_offset INTEGER, warc_record_id TEXT, portal TEXT, referrer TEXT,
    role TEXT, outcome TEXT NOT NULL, reason TEXT, codec TEXT, version INTEGER, revisit_of INTEGER, path TEXT
);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url);
CREATE INDEX IF NOT EXISTS captures_final_url ON captures(final_url);
CREATE INDEX IF NOT EXISTS captures_sha256 ON captures(sha256);
CREATE TABLE IF NOT EXISTS hosts (
    host TEXT PRIMARY KEY, robots_url TEXT, robots_status INTEGER, robots_decision TEXT, disallowed INTEGER DEFAULT 0,
    checked_at TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, run_id INTEGER, at TEXT NOT NULL, kind TEXT NOT NULL, url TEXT, portal TEXT,
    message TEXT, data TEXT
);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
CREATE TABLE IF NOT EXISTS reports (
    page_url TEXT PRIMARY KEY, portal TEXT, title TEXT, listing_title TEXT, year INTEGER, published TEXT,
    body TEXT, inline INTEGER, direct INTEGER, metadata TEXT, listing_url TEXT, first_run INTEGER, last_run INTEGER
);
CREATE TABLE IF NOT EXISTS report_files (
    page_url TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (page_url, url)
);
"""
_COMMIT_EVERY = 200


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CaptureIndex:
    """Writes and queries captures.db; commits in batches (and on close) to keep the crawl fast."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.run_id: int | None = None
        self._pending = 0

    def _changed(self) -> None:
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0

    def start_run(self, spider: str, start_urls: list[str], settings: dict[str, Any]) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (started_at, spider, start_urls, settings) VALUES (?, ?, ?, ?)",
            (iso(utc_now()), spider, json.dumps(start_urls, ensure_ascii=False), json.dumps(settings, default=str)),
        )
        self.run_id = cursor.lastrowid
        self.commit()
        return self.run_id

    def finish_run(self, stats: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, stats = ? WHERE id = ?",
            (iso(utc_now()), json.dumps(stats, default=str), self.run_id),
        )
        self.commit()

    def first_capture_of(self, sha256: str) -> sqlite3.Row | None:
        """The earliest full (non-revisit) capture of these bytes, if any."""
        return self.db.execute(
            "SELECT id, url, fetched_at FROM captures WHERE sha256 = ? AND revisit_of IS NULL "
            "AND warc_file IS NOT NULL ORDER BY id LIMIT 1",
            (sha256,),
        ).fetchone()

    def version_of(self, url: str, sha256: str | None) -> int:
        """1 for the first bytes seen at this URL, 2 for the next different bytes, and so on."""
        if sha256 is None:
            return 0
        rows = self.db.execute(
            "SELECT sha256 FROM captures WHERE url = ? AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY MIN(id)", (url,)
        ).fetchall()
        digests = [row["sha256"] for row in rows]
        return digests.index(sha256) + 1 if sha256 in digests else len(digests) + 1

    def add_capture(self, **fields: Any) -> int:
        fields.setdefault("run_id", self.run_id)
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        cursor = self.db.execute(f"INSERT INTO captures ({columns}) VALUES ({marks})", tuple(fields.values()))
        self._changed()
        return int(cursor.lastrowid)

    def add_event(self, kind: str, url: str | None = None, portal: str | None = None, message: str = "",
                  **data: Any) -> None:
        self.db.execute(
            "INSERT INTO events (run_id, at, kind, url, portal, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.run_id, iso(utc_now()), kind, url, portal, message, json.dumps(data, ensure_ascii=False)),
        )
        self._changed()

    def record_robots(self, host: str, robots_url: str, status: int | None, decision: str) -> None:
        self.db.execute(
            "INSERT INTO hosts (host, robots_url, robots_status, robots_decision, checked_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(host) DO UPDATE SET robots_url = excluded.robots_url, robots_status = excluded.robots_status, "
            "robots_decision = excluded.robots_decision, checked_at = excluded.checked_at",
            (host, robots_url, status, decision, iso(utc_now())),
        )
        self._changed()

    def count_disallowed(self, host: str) -> None:
        self.db.execute(
            "INSERT INTO hosts (host, disallowed) VALUES (?, 1) "
            "ON CONFLICT(host) DO UPDATE SET disallowed = disallowed + 1",
            (host,),
        )
        self._changed()

    def add_report(self, report: dict[str, Any], files: list[str]) -> None:
        """Record a discovered report and the URLs that are its own representations."""
        self.db.execute(
            "INSERT INTO reports (page_url, portal, title, listing_title, year, published, body, inline, direct, "
            "metadata, listing_url, first_run, last_run) VALUES "
            "(:page_url, :portal, :title, :listing_title, :year, :published, :body, :inline, :direct, :metadata, "
            ":listing_url, :run, :run) "
            "ON CONFLICT(page_url) DO UPDATE SET portal = excluded.portal, title = excluded.title, "
            "listing_title = COALESCE(excluded.listing_title, listing_title), year = excluded.year, "
            "published = COALESCE(excluded.published, published), body = excluded.body, "
            "inline = excluded.inline, direct = excluded.direct, metadata = excluded.metadata, "
            "last_run = excluded.last_run",
            {**report, "metadata": json.dumps(report.get("metadata") or {}, ensure_ascii=False), "run": self.run_id},
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO report_files (page_url, url) VALUES (?, ?)",
            [(report["page_url"], url) for url in files],
        )
        self._changed()

    def close(self) -> None:
        self.commit()
        self.db.close()
