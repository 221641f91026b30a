"""Merge the raw stores of distributed workers into one raw store (`govreports merge-stores DIR STORE...`).

In a distributed crawl (crawler.distributed) every worker keeps its own raw store, and a report's page
and its attachment may have been captured by different workers, so no worker's reports.jsonl is whole.
The merged store is an ordinary raw store that extract and archive read like any other:

* WARC files are copied under their own names (unique per run: a timestamp in microseconds), so every
  capture keeps its `warc_file` and `warc_offset`; a file that grew since the last merge is copied again.
* The file store is the union by sha256 (the same bytes stored once).
* Runs, captures and events are re-indexed in the order they happened across workers (captures by
  fetch time), with their run ids, `revisit_of` links, validators and request keys renumbered.
* Versions and revisits are judged across workers: a URL's versions are counted over every worker's
  captures, and bytes a worker captured in full after another worker already had them point (`revisit_of`)
  at the first capture of those bytes anywhere (that worker's WARC record stays a full copy: nothing in a
  WARC file is rewritten).
* robots.txt decisions (latest per host, refusals summed over workers), portal and host health, and the
  reports found are merged; reports.jsonl is rebuilt over the union.

Merging is idempotent: every merged row is remembered by (source store, kind, id in the source) in
`merged_rows`, so running the same merge again changes nothing, and a worker that crawled on since is
merged again with only its new rows added. Sources are named by their resolved path. Requests a worker
had claimed (`claims`) stay in that worker's store: they are its own recovery list, not part of the crawl.
A worker may still be crawling while it is merged: its index is read first and its files copied after.
The run summary of a merged store (crawler.health.run_report) describes its last run, one worker's.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.health import SCHEMA as HEALTH_SCHEMA
from crawler.incremental import SCHEMA as VALIDATORS_SCHEMA
from crawler.resume import SCHEMA as REQUEST_KEYS_SCHEMA
from crawler.store.index import SCHEMA as INDEX_SCHEMA
from crawler.store.index import iso, utc_now
from crawler.store.reports import write_reports

MERGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS merged_rows (
    source TEXT NOT NULL, kind TEXT NOT NULL, source_id INTEGER NOT NULL, target_id INTEGER NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
CREATE TABLE IF NOT EXISTS merged_warcs (name TEXT PRIMARY KEY, source TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS source_hosts (
    source TEXT NOT NULL, host TEXT NOT NULL, robots_url TEXT, robots_status INTEGER, robots_decision TEXT,
    disallowed INTEGER, checked_at TEXT, PRIMARY KEY (source, host)
);
CREATE TABLE IF NOT EXISTS merges (id INTEGER PRIMARY KEY, at TEXT NOT NULL, sources TEXT NOT NULL, added TEXT);
"""
_CAPTURE_COLUMNS = (
    "run_id", "url", "final_url", "method", "status", "fetched_at", "sha256", "media_type", "size", "content_type",
    "warc_file", "warc_offset", "warc_record_id", "portal", "referrer", "role", "outcome", "reason", "codec", "path",
)


class MergeError(ValueError):
    """A merge that cannot be done (not a raw store, the target among the sources, a WARC name clash)."""


@dataclass
class MergeSummary:
    target: str
    sources: list[str]
    added: dict[str, int] = field(default_factory=dict)
    reports: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "sources": self.sources, "added": self.added, "reports": self.reports}


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if readonly else sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    return db


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _check_sources(target: Path, sources: list[Path]) -> list[Path]:
    resolved = []
    for source in sources:
        source = source.resolve()
        if source == target.resolve():
            raise MergeError(f"{source} is the target: merge the workers' stores into a directory of its own")
        if not (source / "captures.db").is_file():
            raise MergeError(f"{source} is not a raw store (no captures.db)")
        if source not in resolved:
            resolved.append(source)
    return resolved


class _Merger:
    def __init__(self, target: Path):
        self.target = target
        target.mkdir(parents=True, exist_ok=True)
        self.db = _connect(target / "captures.db")
        self.db.execute("PRAGMA journal_mode=WAL")
        for schema in (INDEX_SCHEMA, VALIDATORS_SCHEMA, REQUEST_KEYS_SCHEMA, HEALTH_SCHEMA, MERGE_SCHEMA):
            self.db.executescript(schema)
        self.added: dict[str, int] = {}

    def _count(self, kind: str, number: int = 1) -> None:
        if number:
            self.added[kind] = self.added.get(kind, 0) + number

    def mapped(self, source: str, kind: str, source_id: int | None) -> int | None:
        if source_id is None:
            return None
        row = self.db.execute("SELECT target_id FROM merged_rows WHERE source = ? AND kind = ? AND source_id = ?",
                              (source, kind, source_id)).fetchone()
        return row[0] if row else None

    def _remember(self, source: str, kind: str, source_id: int, target_id: int) -> None:
        self.db.execute("INSERT INTO merged_rows (source, kind, source_id, target_id) VALUES (?, ?, ?, ?)",
                        (source, kind, source_id, target_id))

    # -- files ---------------------------------------------------------------------------------------
    def copy_warcs(self, source: Path) -> None:
        directory = self.target / "warc"
        directory.mkdir(exist_ok=True)
        for path in sorted((source / "warc").glob("*.warc.gz")):
            owner = self.db.execute("SELECT source, size FROM merged_warcs WHERE name = ?", (path.name,)).fetchone()
            if owner is not None and owner["source"] != str(source):
                raise MergeError(f"WARC file {path.name} of {source} has the name of one from {owner['source']}")
            size = path.stat().st_size
            if owner is not None and owner["size"] == size and (directory / path.name).exists():
                continue
            _copy_atomically(path, directory / path.name)
            self.db.execute("INSERT OR REPLACE INTO merged_warcs (name, source, size) VALUES (?, ?, ?)",
                            (path.name, str(source), size))
            self._count("warc_files")

    def copy_files(self, source: Path) -> None:
        for path in sorted((source / "files").glob("*/*")):
            if path.name.startswith("."):
                continue  # a write the worker never finished
            target = self.target / "files" / path.parent.name / path.name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_atomically(path, target)
                self._count("files")

    # -- index rows ----------------------------------------------------------------------------------
    def merge_runs(self, sources: dict[str, sqlite3.Connection]) -> None:
        runs = [(row["started_at"], name, row) for name, db in sources.items()
                for row in db.execute("SELECT * FROM runs ORDER BY id")]
        for _, name, row in sorted(runs, key=lambda item: (item[0], item[1], item[2]["id"])):
            target_id = self.mapped(name, "run", row["id"])
            values = (row["started_at"], row["finished_at"], row["spider"], row["start_urls"], row["settings"],
                      row["stats"])
            if target_id is None:
                cursor = self.db.execute("INSERT INTO runs (started_at, finished_at, spider, start_urls, settings, "
                                         "stats) VALUES (?, ?, ?, ?, ?, ?)", values)
                self._remember(name, "run", row["id"], cursor.lastrowid)
                self._count("runs")
            else:  # a run that was under way at the last merge may have finished since
                self.db.execute("UPDATE runs SET started_at = ?, finished_at = ?, spider = ?, start_urls = ?, "
                                "settings = ?, stats = ? WHERE id = ?", (*values, target_id))

    def merge_captures(self, sources: dict[str, sqlite3.Connection]) -> list[int]:
        """Insert the captures not merged yet, in fetch order across sources; return the new ids."""
        pending = []
        for name, db in sources.items():
            merged = {row[0] for row in self.db.execute(
                "SELECT source_id FROM merged_rows WHERE source = ? AND kind = 'capture'", (name,))}
            pending += [(row["fetched_at"], name, row) for row in db.execute("SELECT * FROM captures ORDER BY id")
                        if row["id"] not in merged]
        pending.sort(key=lambda item: (item[0], item[1], item[2]["id"]))
        new_ids = []
        for _, name, row in pending:
            values = {column: row[column] for column in _CAPTURE_COLUMNS}
            values["run_id"] = self.mapped(name, "run", row["run_id"])
            marks = ", ".join("?" for _ in values)
            cursor = self.db.execute(f"INSERT INTO captures ({', '.join(values)}) VALUES ({marks})",
                                     tuple(values.values()))
            self._remember(name, "capture", row["id"], cursor.lastrowid)
            new_ids.append(cursor.lastrowid)
        for _, name, row in pending:  # links within a source, once every capture has its new id
            if row["revisit_of"] is not None:
                self.db.execute("UPDATE captures SET revisit_of = ? WHERE id = ?",
                                (self.mapped(name, "capture", row["revisit_of"]), self.mapped(name, "capture",
                                                                                              row["id"])))
        self._count("captures", len(new_ids))
        return new_ids

    def judge_across_workers(self, new_ids: list[int]) -> None:
        """Revisits and versions over every worker's captures (see the module docstring)."""
        for capture_id in new_ids:
            row = self.db.execute("SELECT sha256, revisit_of, warc_file FROM captures WHERE id = ?",
                                  (capture_id,)).fetchone()
            if row["sha256"] is None or row["revisit_of"] is not None or row["warc_file"] is None:
                continue
            first = self.db.execute(
                "SELECT id FROM captures WHERE sha256 = ? AND revisit_of IS NULL AND warc_file IS NOT NULL "
                "AND id < ? ORDER BY id LIMIT 1", (row["sha256"], capture_id)).fetchone()
            if first is not None:
                self.db.execute("UPDATE captures SET revisit_of = ? WHERE id = ?", (first[0], capture_id))
        # New captures are the rows above the first new id (appended in one go): no list of ids in the SQL.
        urls = [row[0] for row in self.db.execute("SELECT DISTINCT url FROM captures WHERE id >= ?", (min(new_ids),))]
        for url in urls:
            order = [row[0] for row in self.db.execute(
                "SELECT sha256 FROM captures WHERE url = ? AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY MIN(id)",
                (url,))]
            self.db.execute("UPDATE captures SET version = 0 WHERE url = ? AND sha256 IS NULL", (url,))
            for number, digest in enumerate(order, start=1):
                self.db.execute("UPDATE captures SET version = ? WHERE url = ? AND sha256 = ?", (number, url, digest))

    def merge_capture_tables(self, name: str, db: sqlite3.Connection) -> None:
        """Request keys and validators, renumbered; a URL keeps the validators of its latest capture."""
        if _has_table(db, "request_keys"):
            for row in db.execute("SELECT capture_id, key FROM request_keys"):
                capture_id = self.mapped(name, "capture", row["capture_id"])
                if capture_id is not None:
                    self.db.execute("INSERT OR IGNORE INTO request_keys (capture_id, key) VALUES (?, ?)",
                                    (capture_id, row["key"]))
        if _has_table(db, "validators"):
            for row in db.execute("SELECT * FROM validators"):
                capture_id = self.mapped(name, "capture", row["capture_id"])
                content_id = self.mapped(name, "capture", row["content_capture_id"])
                current = self.db.execute("SELECT capture_id FROM validators WHERE url = ?", (row["url"],)).fetchone()
                if capture_id is None or content_id is None or (current and current[0] >= capture_id):
                    continue
                self.db.execute(
                    "INSERT OR REPLACE INTO validators (url, etag, last_modified, capture_id, content_capture_id, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (row["url"], row["etag"], row["last_modified"], capture_id, content_id, row["recorded_at"]))

    def merge_events(self, name: str, db: sqlite3.Connection) -> None:
        merged = {row[0] for row in self.db.execute(
            "SELECT source_id FROM merged_rows WHERE source = ? AND kind = 'event'", (name,))}
        for row in db.execute("SELECT * FROM events ORDER BY id"):
            if row["id"] in merged:
                continue
            data = json.loads(row["data"] or "{}")
            for key in ("capture_id", "archived_capture"):  # events that name a capture (crawler.incremental)
                if isinstance(data.get(key), int):
                    data[key] = self.mapped(name, "capture", data[key])
            cursor = self.db.execute(
                "INSERT INTO events (run_id, at, kind, url, portal, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.mapped(name, "run", row["run_id"]), row["at"], row["kind"], row["url"], row["portal"],
                 row["message"], json.dumps(data, ensure_ascii=False)))
            self._remember(name, "event", row["id"], cursor.lastrowid)
            self._count("events")

    def merge_hosts(self, name: str, db: sqlite3.Connection) -> None:
        for row in db.execute("SELECT * FROM hosts"):
            self.db.execute(
                "INSERT OR REPLACE INTO source_hosts (source, host, robots_url, robots_status, robots_decision, "
                "disallowed, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, row["host"], row["robots_url"], row["robots_status"], row["robots_decision"],
                 row["disallowed"], row["checked_at"]))
        if _has_table(db, "host_health"):
            for row in db.execute("SELECT * FROM host_health"):
                current = self.db.execute("SELECT updated_at FROM host_health WHERE host = ?",
                                          (row["host"],)).fetchone()
                if current is None or (row["updated_at"] or "") > (current[0] or ""):
                    values = dict(row)
                    values["last_run"] = self.mapped(name, "run", row["last_run"])
                    self.db.execute(
                        "INSERT OR REPLACE INTO host_health (host, state, failing_runs, skipped_runs, last_run, "
                        "last_requests, last_failures, updated_at) VALUES (:host, :state, :failing_runs, "
                        ":skipped_runs, :last_run, :last_requests, :last_failures, :updated_at)", values)
        if _has_table(db, "portal_health"):
            for row in db.execute("SELECT * FROM portal_health"):
                values = {**dict(row), "run_id": self.mapped(name, "run", row["run_id"])}
                self.db.execute(
                    "INSERT OR REPLACE INTO portal_health (run_id, portal, pages, reports, attachments, errors, "
                    "blocks, not_modified, gone, expected, alert) VALUES (:run_id, :portal, :pages, :reports, "
                    ":attachments, :errors, :blocks, :not_modified, :gone, :expected, :alert)", values)

    def rebuild_hosts(self) -> None:
        """robots.txt decisions: the latest check of each host; refusals summed over the workers."""
        self.db.execute("DELETE FROM hosts")
        self.db.execute(
            "INSERT INTO hosts (host, robots_url, robots_status, robots_decision, disallowed, checked_at) "
            "SELECT host, robots_url, robots_status, robots_decision, "
            "(SELECT SUM(COALESCE(disallowed, 0)) FROM source_hosts AS every WHERE every.host = latest.host), "
            "checked_at FROM source_hosts AS latest WHERE rowid = (SELECT rowid FROM source_hosts AS other "
            "WHERE other.host = latest.host ORDER BY checked_at IS NULL, checked_at DESC LIMIT 1)")

    def merge_reports(self, name: str, db: sqlite3.Connection) -> None:
        for row in db.execute("SELECT * FROM reports"):
            values = {**dict(row), "first_run": self.mapped(name, "run", row["first_run"]),
                      "last_run": self.mapped(name, "run", row["last_run"])}
            self.db.execute(
                "INSERT INTO reports (page_url, portal, title, listing_title, year, published, body, inline, direct, "
                "metadata, listing_url, first_run, last_run) VALUES (:page_url, :portal, :title, :listing_title, "
                ":year, :published, :body, :inline, :direct, :metadata, :listing_url, :first_run, :last_run) "
                "ON CONFLICT(page_url) DO UPDATE SET "
                "portal = CASE WHEN excluded.last_run >= last_run THEN excluded.portal ELSE portal END, "
                "title = CASE WHEN excluded.last_run >= last_run THEN excluded.title ELSE title END, "
                "listing_title = COALESCE(listing_title, excluded.listing_title), "
                "year = CASE WHEN excluded.last_run >= last_run THEN excluded.year ELSE year END, "
                "published = COALESCE(published, excluded.published), "
                "body = CASE WHEN excluded.last_run >= last_run THEN excluded.body ELSE body END, "
                "inline = MAX(inline, excluded.inline), direct = MIN(direct, excluded.direct), "
                "metadata = CASE WHEN excluded.last_run >= last_run THEN excluded.metadata ELSE metadata END, "
                "listing_url = COALESCE(listing_url, excluded.listing_url), "
                "first_run = MIN(first_run, excluded.first_run), last_run = MAX(last_run, excluded.last_run)",
                values)
        self.db.executemany("INSERT OR IGNORE INTO report_files (page_url, url) VALUES (?, ?)",
                            [tuple(row) for row in db.execute("SELECT page_url, url FROM report_files")])


def _copy_atomically(source: Path, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def merge_stores(target: Path, sources: list[Path]) -> MergeSummary:
    """Merge the raw stores `sources` into `target` (created if needed); rewrite its reports.jsonl."""
    target = Path(target)
    paths = _check_sources(target, [Path(source) for source in sources])
    merger = _Merger(target)
    opened = {str(path): _connect(path / "captures.db", readonly=True) for path in paths}
    try:
        merger.merge_runs(opened)
        new_ids = merger.merge_captures(opened)
        if new_ids:
            merger.judge_across_workers(new_ids)
        for name, db in opened.items():
            merger.merge_capture_tables(name, db)
            merger.merge_events(name, db)
            merger.merge_hosts(name, db)
            merger.merge_reports(name, db)
        merger.rebuild_hosts()
        # Files after the index rows: a worker still crawling writes a capture's WARC record and file before
        # its row, so every row merged here has its bytes in what is copied now.
        for path in paths:
            merger.copy_warcs(path)
            merger.copy_files(path)
        merger.db.execute("INSERT INTO merges (at, sources, added) VALUES (?, ?, ?)",
                          (iso(utc_now()), json.dumps(list(opened)), json.dumps(merger.added)))
        merger.db.commit()
    finally:
        for db in opened.values():
            db.close()
        merger.db.close()
    summary = MergeSummary(str(target), list(opened), merger.added)
    summary.reports = write_reports(target / "captures.db", target / "reports.jsonl")
    return summary
