"""Load report-model records (and, with --raw, a crawl's capture index) into the archive.

- Idempotent: each report row keeps a hash of the record it came from (plus the crawl context used); a record
  whose hash is unchanged is skipped, so re-loading the same files writes nothing.
- Deterministic: when two different records describe the same source bytes (same report id), the one with the
  higher extractor version (then the higher hash) wins, whatever the order of loading.
- Transactional: records are written in batches, each batch in one transaction together with the versions,
  cross-year checks and body counts it affects; a crash leaves the archive as it was after the last batch.
- Incremental: only new or changed reports are written, and only the body x year groups they touch recomputed.
- Bad input (a line that is not JSON, a record without text and cells, a cell the declaration does not know)
  is recorded in `load_issues` with file and line; every other record is still loaded.

sqlite-utils opens the database and is what `publish` uses for its table operations; the hot path (200 cells a
report) uses executemany on the same connection, which is several times faster than row-by-row upserts.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

import numpy as np
import orjson
import sqlite_utils

from archive import bodies as bodies_mod
from archive.schema import (
    CAPTURES,
    CELLS,
    REPORTS,
    create_schema,
    label_rows,
    stable_id,
    upsert_sql,
    wide_tables,
)
from archive.search import index_entries, index_entry, unindex_report

FORMATS = {
    "application/pdf": "pdf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/wps-office.wps": "wps",
    "application/rtf": "rtf",
}
GOVERNMENT_TYPES = ("人民政府", "乡镇街道", "开发区管委会")
LOAD_CACHE_KIB = 512 * 1024  # SQLite page cache while loading
# a new archive's page size: a report's text (~8 kB) fits in one 16 kB page instead of a chain of 4 kB overflow
# pages, and the B-trees are shallower; loading 2,000 reports took 17 % less CPU than with the 4 kB default
PAGE_SIZE = 16384
PARALLEL_MIN_BYTES = 20 * 2**20  # inputs smaller than this (about 200 full records) are prepared in-process
MAX_WORKERS = 4
# indexes the loader never reads through: filling them row by row is most of the cost of inserting cells, so a
# large load into an empty archive creates them after the last batch (a killed load leaves them to the next
# load, whose create_schema makes them before it reads anything)
DEFERRED_INDEXES = ("idx_cells_label_id_value", "idx_checks_holds_rule", "idx_sections_key")


@dataclass
class LoadSummary:
    read: int = 0
    written: int = 0
    unchanged: int = 0
    superseded: int = 0
    issues: int = 0
    captures: int = 0
    documents: int = 0
    touched: set = field(default_factory=set)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "touched"}


# --- helpers ----------------------------------------------------------------------------------------------


def canonical_hash(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def version_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version or ""))


def media_format(media_type: str | None) -> str | None:
    if not media_type:
        return None
    base = media_type.split(";")[0].strip().lower()
    if base.startswith("image/"):
        return "image"
    return FORMATS.get(base, base.split("/")[-1])


def deadline_for(year: int | None, body_type: str) -> str | None:
    """Legal deadline under the 2019 条例 (art. 49): departments 31 January, governments 31 March."""
    if not year or year < 2019:
        return None
    if body_type in GOVERNMENT_TYPES:
        return f"{year + 1}-03-31"
    if body_type == "部门":
        return f"{year + 1}-01-31"
    return None


def days_late(published: str | None, deadline: str | None) -> int | None:
    if not published or not deadline:
        return None
    try:
        delta = date.fromisoformat(published[:10]) - date.fromisoformat(deadline)
    except ValueError:
        return None
    return max(0, delta.days)


_SENTENCE = re.compile(r"[。；;！？!?]+")
_NOISE = re.compile(r"[\s\d０-９.,，、]+")


def simhash(text: str | None, names: tuple[str, ...] = ()) -> int:
    """64-bit SimHash over the text's sentences, without white space (line wrapping), digits or the body's own
    names: two bodies publishing the same text with their own names and numbers get (nearly) the same hash."""
    flat = re.sub(r"\s+", "", text or "")
    for name in sorted((n for n in names if n), key=len, reverse=True):
        flat = flat.replace(name, "")
    features = [_NOISE.sub("", s) for s in _SENTENCE.split(flat)]
    features = [f for f in features if len(f) >= 4]
    if not features:
        return 0
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(f.encode("utf-8"), digest_size=8).digest(), "big") for f in features],
        dtype=np.uint64,
    )
    bits = (hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    votes = bits.sum(axis=0) * 2 > len(features)
    value = sum(1 << i for i, on in enumerate(votes) if on)
    return value - (1 << 64) if value >= 1 << 63 else value


def sim_bands(value: int) -> list[int]:
    unsigned = value & ((1 << 64) - 1)
    return [(unsigned >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]


# --- raw store --------------------------------------------------------------------------------------------


@dataclass
class RawStore:
    root: Path
    by_sha: dict[str, dict] = field(default_factory=dict)


def read_raw(conn: sqlite3.Connection, root: Path, summary: LoadSummary) -> RawStore:
    """Copy captures and documents from a crawl's raw store; index its reports.jsonl by file hash."""
    store = RawStore(root=root)
    captures_db = root / "captures.db"
    if captures_db.exists():
        source = sqlite3.connect(f"file:{captures_db}?mode=ro", uri=True)
        source.row_factory = sqlite3.Row
        available = {row[1] for row in source.execute("PRAGMA table_info(captures)")}
        wanted = [c.name for c in CAPTURES.columns if c.name != "id"]
        select = ", ".join(c if c in available else f"NULL AS {c}" for c in [*wanted, "path"])
        rows = []
        for row in source.execute(f"SELECT {select} FROM captures"):
            values = dict(row)
            file_path = values.pop("path")
            values["id"] = stable_id(
                "capture", values["url"], values["fetched_at"], values["warc_file"], values["warc_offset"]
            )
            rows.append((values, file_path))
        source.close()
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO captures (id, "
                + ", ".join(wanted)
                + ") VALUES (:id, "
                + ", ".join(f":{c}" for c in wanted)
                + ")",
                [values for values, _ in rows],
            )
            for values, file_path in rows:
                if values.get("sha256") and values.get("status") and 200 <= int(values["status"]) < 300:
                    _upsert_document(
                        conn,
                        root,
                        values["sha256"],
                        values.get("media_type"),
                        values.get("size"),
                        file_path,
                        values.get("final_url") or values["url"],
                    )
        summary.captures = len(rows)
    reports_jsonl = root / "reports.jsonl"
    if reports_jsonl.exists():
        with conn:
            for number, line in enumerate(reports_jsonl.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as error:
                    _issue(conn, str(reports_jsonl), number, "raw_bad_json", str(error))
                    summary.issues += 1
                    continue
                files = [*(entry.get("attachments") or []), *([entry["page"]] if entry.get("page") else [])]
                for item in files:
                    if item.get("sha256"):
                        store.by_sha[item["sha256"]] = {**entry, "file": item}
                        _upsert_document(
                            conn,
                            root,
                            item["sha256"],
                            item.get("media_type"),
                            item.get("size"),
                            item.get("path"),
                            item.get("url"),
                        )
    summary.documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    return store


def _upsert_document(conn, root: Path, sha: str, media_type, size, path, url) -> None:
    verified = None
    if path and (root / path).exists():
        with (root / path).open("rb") as handle:
            verified = int(handle.read(5) == b"%PDF-")
    conn.execute(
        "INSERT INTO documents (sha256, media_type, size, path, url, verified_pdf) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(sha256) DO UPDATE SET media_type = coalesce(documents.media_type, excluded.media_type), "
        "size = coalesce(documents.size, excluded.size), path = coalesce(documents.path, excluded.path), "
        "url = coalesce(documents.url, excluded.url), "
        "verified_pdf = coalesce(excluded.verified_pdf, documents.verified_pdf)",
        (sha, media_type, size, path, url, verified),
    )


# --- records ----------------------------------------------------------------------------------------------


def read_lines(paths: Iterable[Path]) -> Iterator[tuple[str, int, bytes]]:
    """(file, line number, line) for every non-empty line of the input files, as bytes: hashed and parsed as
    read, never decoded and re-encoded."""
    for path in paths:
        with open(path, "rb") as handle:
            for number, raw_line in enumerate(handle, 1):
                line = raw_line.strip()
                if line:
                    yield str(path), number, line


def known_line(file: str, number: int, line: bytes, known: set[str] | None) -> tuple[str, int, bytes | None, str]:
    """(file, line number, line, hash of the line); the line is None when its content hash is in `known` (already
    loaded, no crawl context to merge): such a line is not even parsed.

    The hash of the line as written is the record's content hash: the extractor writes records
    deterministically, and hashing the bytes read is ten times cheaper than re-serialising the record."""
    line_hash = hashlib.sha256(line).hexdigest()
    if known is not None and canonical_hash({"record": line_hash, "raw": {}}) in known:
        return file, number, None, line_hash
    return file, number, line, line_hash


def parse_line(file: str, number: int, line: bytes | None, line_hash: str) -> tuple:
    """(file, line, record, error, hash) for one line from known_line (record and error both None: known).

    A record that cannot be loaded comes back with its error *and* the record (when it parsed), so the issue
    can carry the extraction's own error codes and the source it was read from."""
    if line is None:
        return file, number, None, None, line_hash
    try:
        record = parse_json(line)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return file, number, None, f"not JSON: {error}", None
    if not isinstance(record, dict):
        return file, number, None, "not a JSON object", None
    if not (record.get("text") or record.get("cells")):
        return file, number, record, "record has neither text nor cells", None
    return file, number, record, None, line_hash


def read_records(
    paths: Iterable[Path], known: set[str] | None = None
) -> Iterator[tuple[str, int, dict | None, str | None, str | None]]:
    """(file, line, record, error, hash of the line) for every non-empty line of the input files."""
    for file, number, line in read_lines(paths):
        yield parse_line(*known_line(file, number, line, known))


def parse_json(line: bytes) -> object:
    """orjson (1.7x faster on 100 kB records); what it refuses but Python's json reads (NaN, Infinity, integers
    beyond 64 bits) is read by json, so the choice of parser never changes what loads."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _issue(conn, file: str, line: int, code: str, message: str, record: dict | None = None) -> None:
    """One row of load_issues; for a record that could not be loaded, also its source and extraction errors."""
    source, errors = None, None
    if record is not None:
        found = record.get("source") or {}
        source = (found.get("path") or found.get("url")) if isinstance(found, dict) else None
        extraction = [e for e in record.get("errors") or [] if isinstance(e, dict)]
        if extraction:
            errors = json.dumps(
                [{"code": e.get("code"), "message": e.get("message")} for e in extraction], ensure_ascii=False
            )
            message += "; extraction errors: " + "; ".join(f"{e.get('code')}: {e.get('message')}" for e in extraction)
    conn.execute(
        "INSERT OR REPLACE INTO load_issues (id, file, line, code, message, source, errors) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (stable_id("issue", file, line, code, message), file, line, code, message, source, errors),
    )


def report_id_for(record: dict) -> int:
    source = record.get("source") or {}
    key = source.get("sha256") or hashlib.sha256((record.get("text") or "").encode("utf-8")).hexdigest()
    return stable_id("report", key)


@dataclass
class Prepared:
    """What a record becomes before it meets the archive: ids, the content hash, the body's resolution and every
    row to insert. Computing it needs no database, so with workers it is made in other processes.

    A worker leaves `rows` None for a record whose content hash equals the one the archive held when the load
    started (it is most likely unchanged, so the rows are not built); `line` then keeps its bytes, in case it is
    not. Made in this process (Preparer.identify), `rows` is always None: the loader builds them from the record
    once it is to be written."""

    report_id: int
    content_hash: str
    extractor_version: str | None
    rows: PreparedRows | None = None
    line: bytes | None = None


@dataclass
class PreparedRows:
    body_id: int
    resolution: bodies_mod.Resolution
    parent: tuple[int, bodies_mod.Resolution] | None
    report: dict
    search: tuple
    sections: list[tuple]
    cells: list[tuple]
    wide: dict[str, tuple]
    checks: list[tuple]
    documents: list[tuple]
    report_documents: list[tuple]
    unknown_labels: list[str]


REPORT_COLUMNS = tuple(c.name for c in REPORTS.columns)
INSERT_REPORT = upsert_sql("reports", REPORT_COLUMNS)
INSERT_CELL = upsert_sql("cells", [c.name for c in CELLS.columns])
INSERT_SECTION = (
    "INSERT INTO sections (id, report_id, position, number, key, heading, text) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
INSERT_CHECK = (
    "INSERT OR REPLACE INTO checks (id, report_id, rule, table_name, over, holds, lhs, rhs, difference, terms, "
    "description, source, other_report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_DOCUMENT = (
    "INSERT INTO documents (sha256, media_type, size, url) VALUES (?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING"
)
INSERT_REPORT_DOCUMENT = (
    "INSERT OR REPLACE INTO report_documents (report_id, sha256, role, method, cells, chosen) VALUES (?, ?, ?, ?, ?, ?)"
)
WIDE_KEY_COLUMNS = ("report_id", "body_id", "year", "uncertain_cells")
# the cells the cross-year checks compare (S1: 上年结转 / 结转下年度 of table 三; S2: table 二's regulations and
# normative documents); only these are read back for a pair of years, not all 200
CROSS_YEAR_CELLS = {
    ("applications", "carried_over"),
    ("applications", "carried_forward"),
    ("art20", "regulations"),
    ("art20", "normative_docs"),
}
# the touched groups drive the join and each finds its reports through (body_id, year); without statistics the
# planner otherwise picks idx_reports_is_latest_year and reads every latest report of the year for each group
BY_GROUP = "INDEXED BY idx_reports_body_id_year"
# json.dumps(..., ensure_ascii=False) builds a new encoder on every call; the same output from one instance
_to_json = json.JSONEncoder(ensure_ascii=False).encode


class Preparer:
    """Turns records into Prepared rows; needs the template declaration and the crawl context, not the archive."""

    def __init__(self, raw: RawStore | None = None, loaded: dict[int, str] | None = None):
        self.raw = raw
        self.loaded = loaded or {}
        self.known: set[str] | None = None  # content hashes of the archive's records (known_line)
        labels = label_rows()
        self.labels = {(lab.template, lab.table_name, lab.row_label, lab.col_label): lab for lab in labels}
        self.wide_columns = {
            name: (*WIDE_KEY_COLUMNS, *(lab.wide_column for lab in table)) for name, table in wide_tables().items()
        }
        # label -> (wide table, position of its column in that table's row)
        self.wide_slot = {
            lab.id: (name, self.wide_columns[name].index(lab.wide_column))
            for name, table in wide_tables().items()
            for lab in table
        }

    def raw_entry(self, record: dict) -> dict:
        if not self.raw:
            return {}
        shas = [(record.get("source") or {}).get("sha256")]
        shas += [r.get("sha256") for r in record.get("representations") or []]
        return next((self.raw.by_sha[s] for s in shas if s in self.raw.by_sha), {})

    def identify(self, record: dict, line_hash: str | None) -> Prepared:
        """Report id and content hash only (what decides whether the record is written at all)."""
        raw = self.raw_entry(record)
        content_hash = canonical_hash({"record": line_hash or record, "raw": raw})
        return Prepared(report_id_for(record), content_hash, record.get("extractor_version"))

    def prepare(self, record: dict, line_hash: str, line: bytes) -> Prepared:
        """The record's id, hash and, unless the archive already held this very content, all of its rows."""
        item = self.identify(record, line_hash)
        if self.loaded.get(item.report_id) == item.content_hash:
            item.line = line
        else:
            item.rows = self.rows(record, item.report_id, item.content_hash)
        return item

    def rows(self, record: dict, report_id: int, content_hash: str) -> PreparedRows:
        raw = self.raw_entry(record)
        body_id, resolution, parent = self._body(record, raw)
        report = self._report_row(record, raw, report_id, body_id, resolution, content_hash)
        rows = PreparedRows(
            body_id=body_id,
            resolution=resolution,
            parent=parent,
            report=report,
            search=index_entry(report_id, report["title"], report["text"]),
            sections=[],
            cells=[],
            wide={},
            checks=[],
            documents=[],
            report_documents=[],
            unknown_labels=[],
        )
        self._children(record, report_id, body_id, rows)
        return rows

    def _body(self, record: dict, raw: dict) -> tuple[int, bodies_mod.Resolution, tuple | None]:
        metadata = {**(raw.get("metadata") or {}), **(record.get("metadata") or {})}
        name = record.get("body") or raw.get("body")
        resolution = bodies_mod.resolve(name, record.get("text") or "", metadata, record.get("title"))
        if resolution.ambiguous:
            body_id = stable_id(
                "body", "ambiguous", record.get("portal") or raw.get("portal") or "", resolution.full_name
            )
        else:
            body_id = bodies_mod.body_id_for(resolution.full_name, resolution.division)
        parent = bodies_mod.parent_body(resolution)
        if not parent:
            return body_id, resolution, None
        parent_name, parent_division = parent
        parent_resolution = bodies_mod.resolve(parent_name)
        parent_resolution.division = parent_division
        parent_resolution.level = bodies_mod.LEVEL_NAMES.get(parent_division.level)
        return body_id, resolution, (bodies_mod.body_id_for(parent_name, parent_division), parent_resolution)

    def _report_row(self, record, raw, report_id, body_id, res, content_hash) -> dict:
        source = record.get("source") or {}
        cells = record.get("cells") or []
        checks = record.get("checks") or []
        text = record.get("text") or ""
        published = record.get("published") or raw.get("published")
        deadline = deadline_for(record.get("year"), res.body_type)
        places = bodies_mod.place_names(res.division)
        sha = source.get("sha256")
        fingerprint = simhash(text, (record.get("body") or "", res.name_norm, res.full_name))
        bands = sim_bands(fingerprint)
        return {
            "id": report_id,
            "body_id": body_id,
            "body": record.get("body") or raw.get("body"),
            "title": record.get("title") or raw.get("title"),
            "year": record.get("year") or raw.get("year"),
            "template": record.get("template") or "unknown",
            "scope": record.get("scope") or "unknown",
            "published": published,
            "deadline": deadline,
            "days_late": days_late(published, deadline),
            "page_url": record.get("page_url") or raw.get("page_url"),
            "source_url": source.get("url") or (raw.get("file") or {}).get("url"),
            "source_path": source.get("path"),
            "archived": None,  # set when written: it depends on the archive's documents
            "sha256": sha,
            "media_type": source.get("media_type"),
            "format": media_format(source.get("media_type")),
            "method": record.get("method"),
            "ocr": int(bool(record.get("ocr"))),
            "pages": record.get("pages"),
            "extractor_version": record.get("extractor_version"),
            "n_cells": len(cells),
            "n_uncertain": sum(1 for c in cells if c.get("uncertain")),
            "checks_total": len(checks),
            "checks_failed": sum(1 for c in checks if c.get("holds") is False),
            "cross_year_failed": 0,
            "version": 1,
            "versions": 1,
            "is_latest": 1,
            "portal": record.get("portal") or raw.get("portal"),
            "listing_title": record.get("listing_title") or raw.get("title"),
            "province": places["province"],
            "city": places["city"],
            "county": places["county"],
            "level": res.level,
            "body_type": res.body_type,
            "text_chars": len(text),
            "simhash": fingerprint,
            "sim_band0": bands[0],
            "sim_band1": bands[1],
            "sim_band2": bands[2],
            "sim_band3": bands[3],
            "n_errors": len(record.get("errors") or []),
            "n_warnings": len(record.get("warnings") or []),
            "errors": json.dumps(record.get("errors") or [], ensure_ascii=False),
            "warnings": json.dumps(record.get("warnings") or [], ensure_ascii=False),
            "content_hash": content_hash,
            "text": text,
        }

    def _children(self, record: dict, report_id: int, body_id: int, rows: PreparedRows) -> None:
        template = record.get("template") or "unknown"
        for position, section in enumerate(record.get("sections") or [], 1):
            rows.sections.append(
                (
                    stable_id("section", report_id, position),
                    report_id,
                    position,
                    section.get("number"),
                    section.get("key"),
                    section.get("heading"),
                    section.get("text"),
                )
            )
        wide: dict[str, list] = {}
        labels, wide_slot, year = self.labels, self.wide_slot, record.get("year")
        for cell in record.get("cells") or []:
            get = cell.get
            label = labels.get((template, get("table"), get("row"), get("col")))
            if label is None:
                rows.unknown_labels.append(
                    f"template {template}: no declared cell {get('table')} / {get('row')} / {get('col')}"
                )
                continue
            uncertain = int(bool(get("uncertain")))
            value = get("value")
            rows.cells.append(
                (
                    report_id,
                    label.id,
                    value,
                    uncertain,
                    get("label_raw"),
                    get("col_raw"),
                    get("unit_raw"),
                    get("page"),
                    get("method"),
                )
            )
            name, position = wide_slot[label.id]
            row = wide.get(name)
            if row is None:
                row = wide[name] = [report_id, body_id, year, 0] + [None] * (
                    len(self.wide_columns[name]) - len(WIDE_KEY_COLUMNS)
                )
            row[position] = value
            row[3] += uncertain
        rows.wide = {name: tuple(row) for name, row in wide.items()}
        for index, check in enumerate(record.get("checks") or []):
            holds = check.get("holds")
            lhs, rhs = check.get("lhs"), check.get("rhs")
            numeric = isinstance(lhs, int | float) and isinstance(rhs, int | float)
            rows.checks.append(
                (
                    stable_id("check", report_id, "extract", index),
                    report_id,
                    check.get("rule"),
                    check.get("table"),
                    check.get("over"),
                    None if holds is None else int(bool(holds)),
                    lhs,
                    rhs,
                    lhs - rhs if numeric else None,
                    _to_json(check.get("terms") or {}),
                    check.get("description"),
                    "extract",
                    None,
                )
            )
        representations = record.get("representations") or []
        source = record.get("source") or {}
        links = (
            [(source, "source", record.get("method"), len(record.get("cells") or []), 1)]
            if source.get("sha256")
            else []
        )
        links += [
            (r, "representation", r.get("method"), r.get("cells"), int(bool(r.get("chosen")))) for r in representations
        ]
        for item, role, method, cells, chosen in links:
            if not item.get("sha256"):
                continue
            rows.documents.append((item["sha256"], item.get("media_type"), item.get("size"), item.get("url")))
            rows.report_documents.append((report_id, item["sha256"], role, method, cells, chosen))


class Loader:
    """Writes Prepared records into the archive: decides new / changed / unchanged / superseded against what the
    archive holds, queues the rows of what it writes, inserts them per batch, and recomputes what they touch."""

    def __init__(self, db: sqlite_utils.Database, raw: RawStore | None = None):
        self.conn = db.conn
        self.raw = raw
        self.preparer = Preparer(raw)
        self.cross_year_labels = {
            lab.id: (lab.table_name, lab.row_key, lab.col_key)
            for lab in label_rows()
            if (lab.table_name, lab.row_key) in CROSS_YEAR_CELLS
        }
        # report id -> (its reports row, its other rows) for the records written so far in the batch (write_pending)
        self.pending: dict[int, tuple[tuple, PreparedRows]] = {}
        # body id -> what this run last wrote for it: writing the same resolution again would change nothing
        self.bodies_written: dict[int, tuple] = {}

    def write(
        self, record: dict | Prepared, file: str, line: int, summary: LoadSummary, line_hash: str | None = None
    ) -> None:
        """One record (as read, or already Prepared by a worker): written with its rows if new or changed, else
        counted as unchanged or superseded. Its rows are queued; write_pending inserts them (the caller's
        transaction spans both)."""
        item = record if isinstance(record, Prepared) else self.preparer.identify(record, line_hash)
        if item.report_id in self.pending:  # the same source bytes twice in a batch: decide against the first
            self.write_pending()
        existing = self.conn.execute(
            "SELECT content_hash, extractor_version, body_id, year FROM reports WHERE id = ?", (item.report_id,)
        ).fetchone()
        if existing and existing[0] == item.content_hash:
            summary.unchanged += 1
            return
        if existing and (version_key(existing[1]), existing[0]) > (
            version_key(item.extractor_version),
            item.content_hash,
        ):
            summary.superseded += 1
            return
        rows = item.rows
        if rows is None:
            source = record if isinstance(record, dict) else parse_json(item.line)
            rows = self.preparer.rows(source, item.report_id, item.content_hash)
        if existing:
            title, text = self.conn.execute(
                "SELECT title, text FROM reports WHERE id = ?", (item.report_id,)
            ).fetchone()
            unindex_report(self.conn, item.report_id, title, text)
            self._delete_children(item.report_id)
            summary.touched.add((existing[2], existing[3]))
        self._write_body(rows)
        report = rows.report
        sha = report["sha256"]
        if sha and self.conn.execute("SELECT path FROM documents WHERE sha256 = ?", (sha,)).fetchone() not in (
            None,
            (None,),
        ):
            report = {**report, "archived": f"/-/archived/{sha}"}
        self.pending[item.report_id] = (tuple(report.get(c) for c in REPORT_COLUMNS), rows)
        for message in rows.unknown_labels:
            _issue(self.conn, file, line, "cell_unknown_label", message)
            summary.issues += 1
        summary.touched.add((rows.body_id, report["year"]))
        summary.written += 1

    def write_pending(self) -> None:
        """Insert the rows of the records written so far in the batch, inside its transaction: one executemany per
        table, each sorted by its key. With ids that are hashes, rows inserted one report at a time land all over
        every B-tree, and FTS5 writes a new segment whenever a rowid is lower than the previous one in the
        transaction (per-report inserts made one tiny index segment per report); sorted, B-tree pages fill in order
        and FTS5 writes one segment per batch."""
        pending, self.pending = self.pending, {}
        if not pending:
            return
        batch = [rows for _, rows in pending.values()]
        self.conn.executemany(INSERT_REPORT, sorted(report for report, _ in pending.values()))
        index_entries(self.conn, [rows.search for rows in batch])
        self.conn.executemany(INSERT_SECTION, sorted(row for rows in batch for row in rows.sections))
        # (report_id, label_id) first: unique
        self.conn.executemany(INSERT_CELL, sorted(row for rows in batch for row in rows.cells))
        self.conn.executemany(INSERT_CHECK, sorted(row for rows in batch for row in rows.checks))  # id first: unique
        for name, columns in self.preparer.wide_columns.items():
            wide = sorted(rows.wide[name] for rows in batch if name in rows.wide)  # report_id first: unique
            self.conn.executemany(upsert_sql(name, columns), wide)
        self.conn.executemany(INSERT_DOCUMENT, [row for rows in batch for row in rows.documents])
        self.conn.executemany(INSERT_REPORT_DOCUMENT, [row for rows in batch for row in rows.report_documents])

    def forget(self) -> None:
        """After a rolled-back batch: nothing queued, and no body taken as already written."""
        self.pending = {}
        self.bodies_written.clear()

    def _delete_children(self, report_id: int) -> None:
        for table in ("cells", "sections", "report_documents"):
            self.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", (report_id,))
        self.conn.execute("DELETE FROM checks WHERE report_id = ? OR other_report_id = ?", (report_id, report_id))
        for name in self.preparer.wide_columns:
            self.conn.execute(f'DELETE FROM "{name}" WHERE report_id = ?', (report_id,))

    def _write_body(self, rows: PreparedRows) -> None:
        parent_id = None
        if rows.parent:
            parent_id, parent_resolution = rows.parent
            if parent_id not in self.bodies_written:  # a derived parent is only written when missing
                self._upsert_body(parent_id, parent_resolution, None, derived=True)
                self.bodies_written[parent_id] = ("derived",)
        written = (parent_id, repr(rows.resolution))
        if self.bodies_written.get(rows.body_id) != written:
            self._upsert_body(rows.body_id, rows.resolution, parent_id, derived=False)
            self.bodies_written[rows.body_id] = written

    def _upsert_body(self, body_id: int, res: bodies_mod.Resolution, parent_id: int | None, derived: bool) -> None:
        places = bodies_mod.place_names(res.division)
        existing = self.conn.execute("SELECT name, evidence, derived FROM bodies WHERE id = ?", (body_id,)).fetchone()
        name = min(existing[0], res.name) if existing and not existing[2] and not derived else res.name
        if existing and derived:
            return
        evidence = bodies_mod.evidence_json(res.evidence + (json.loads(existing[1]) if existing else []))
        parent_name = None
        if parent_id:
            parent_name = self.conn.execute("SELECT full_name FROM bodies WHERE id = ?", (parent_id,)).fetchone()[0]
        self.conn.execute(
            "INSERT OR REPLACE INTO bodies (id, name, name_norm, full_name, body_type, level, division_code, "
            "division_name, division_system, province, city, county, parent_id, parent_name, ambiguous, candidates, "
            "evidence, derived, n_reports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT count(*) FROM reports WHERE body_id = ?))",
            (
                body_id,
                name,
                res.name_norm,
                res.full_name,
                res.body_type,
                res.level,
                res.division.code if res.division else None,
                res.division.name if res.division else None,
                res.division.system if res.division else None,
                places["province"],
                places["city"],
                places["county"],
                parent_id,
                parent_name,
                int(res.ambiguous),
                json.dumps(res.candidates, ensure_ascii=False) if res.candidates else None,
                evidence,
                int(derived),
                body_id,
            ),
        )


    # after a batch -------------------------------------------------------------------------------------

    def recompute(self, touched: set) -> None:
        """Versions, cross-year checks and body counts for the body x year groups a batch touched."""
        groups = {(b, y) for b, y in touched} | {(b, y + 1) for b, y in touched if y is not None}
        ordered = sorted(groups, key=lambda g: (g[0], g[1] or 0))
        for body_id, year in ordered:
            self._versions(body_id, year)
        self._cross_year(ordered)
        self.conn.executemany(
            "UPDATE bodies SET n_reports = (SELECT count(*) FROM reports WHERE body_id = ?) WHERE id = ?",
            [(body_id, body_id) for body_id in sorted({b for b, _ in groups})],
        )

    def _versions(self, body_id: int, year: int | None) -> None:
        rows = self.conn.execute(
            "SELECT r.id, r.scope, r.version, r.versions, r.is_latest, r.previous_id FROM reports r "
            "WHERE r.body_id = ? AND r.year IS ? ORDER BY r.scope, r.published IS NULL, r.published, "
            "(SELECT min(fetched_at) FROM captures c WHERE c.sha256 = r.sha256), r.id",
            (body_id, year),
        ).fetchall()
        by_scope: dict[str, list[tuple]] = {}
        for row in rows:
            by_scope.setdefault(row[1], []).append(row)
        updates = []
        for group in by_scope.values():
            ids = [row[0] for row in group]
            for number, row in enumerate(group, 1):
                wanted = (number, len(ids), int(number == len(ids)), ids[number - 2] if number > 1 else None)
                if row[2:] != wanted:  # a row already right is not rewritten
                    updates.append((*wanted, row[0]))
        self.conn.executemany(
            "UPDATE reports SET version = ?, versions = ?, is_latest = ?, previous_id = ? WHERE id = ?", updates
        )

    def _values(self, report_ids: set[int]) -> dict[int, dict[tuple[str, str, str], float]]:
        """The cells the cross-year checks compare, per report, keyed (table, row key, column key)."""
        wanted = self.cross_year_labels
        values: dict[int, dict] = {report_id: {} for report_id in report_ids}
        ordered = sorted(report_ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            for report_id, label_id, value in self.conn.execute(
                f"SELECT report_id, label_id, value FROM cells WHERE report_id IN ({', '.join('?' * len(chunk))}) "
                f"AND label_id IN ({', '.join('?' * len(wanted))}) ORDER BY report_id, label_id",
                (*chunk, *wanted),
            ):
                values[report_id][wanted[label_id]] = value
        return values

    def _cross_year(self, groups: list[tuple[int, int | None]]) -> None:
        """S1/S2 for the latest reports of every touched body x year against the year before, in a few queries
        for all groups; a report's cross_year_failed is only rewritten when it changes (a rewrite copies its
        text's overflow pages)."""
        groups = [(body_id, year) for body_id, year in groups if year is not None]
        if not groups:
            return
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_groups (body_id INTEGER, year INTEGER)")
        conn.execute("DELETE FROM touched_groups")
        conn.executemany("INSERT INTO touched_groups VALUES (?, ?)", groups)
        current = conn.execute(
            "SELECT r.id, r.body_id, r.year, r.scope, r.template, r.cross_year_failed FROM touched_groups g "
            f"CROSS JOIN reports r {BY_GROUP} ON r.body_id = g.body_id AND r.year = g.year "
            "WHERE r.is_latest = 1 ORDER BY r.id"
        ).fetchall()
        previous = {
            (body_id, year + 1, scope): (report_id, template)
            for report_id, body_id, year, scope, template in conn.execute(
                "SELECT r.id, r.body_id, r.year, r.scope, r.template FROM touched_groups g "
                f"CROSS JOIN reports r {BY_GROUP} ON r.body_id = g.body_id AND r.year = g.year - 1 "
                "WHERE r.is_latest = 1"
            )
        }
        conn.executemany(
            "DELETE FROM checks WHERE report_id = ? AND source = 'cross-year'", [(row[0],) for row in current]
        )
        pairs = []
        for report_id, body_id, year, scope, template, failed_before in current:
            before = previous.get((body_id, year, scope))
            comparable = before and template in ("2021", "2019") and before[1] in ("2021", "2019")
            pairs.append((report_id, failed_before, *(before if comparable else (None, None)), template))
        values = self._values({p[0] for p in pairs if p[2]} | {p[2] for p in pairs if p[2]})
        checks, updates = [], []
        for report_id, failed_before, previous_id, previous_template, template in pairs:
            rows = []
            if previous_id:
                rows = self._cross_year_rows(
                    report_id, previous_id, template, previous_template, values[report_id], values[previous_id]
                )
            checks += rows
            failed = sum(1 - row[5] for row in rows)
            if failed != failed_before:
                updates.append((failed, report_id))
        conn.executemany(INSERT_CHECK, checks)
        conn.executemany("UPDATE reports SET cross_year_failed = ? WHERE id = ?", updates)

    @staticmethod
    def _cross_year_rows(
        report_id: int, previous_id: int, template: str, previous_template: str, now: dict, before: dict
    ) -> list[tuple]:
        """The checks rows of S1 (per column of table 三) and S2 (table 二, 2021 template in both years)."""
        checks = []
        for (table, row, col), value in now.items():
            if table == "applications" and row == "carried_over" and ("applications", "carried_forward", col) in before:
                last = before[("applications", "carried_forward", col)]
                checks.append(
                    (
                        "S1",
                        "applications",
                        col,
                        value,
                        last,
                        {"二、上年结转": value, "上年 四、结转下年度继续办理": last},
                        "上年结转(本年) = 结转下年度继续办理(上年)",
                    )
                )
        if template == previous_template == "2021":
            for row in ("regulations", "normative_docs"):
                keys = [("art20", row, c) for c in ("in_force", "issued", "repealed")]
                if all(k in now for k in keys) and ("art20", row, "in_force") in before:
                    lhs = now[keys[0]]
                    rhs = before[("art20", row, "in_force")] + now[keys[1]] - now[keys[2]]
                    checks.append(
                        (
                            "S2",
                            "art20",
                            row,
                            lhs,
                            rhs,
                            {
                                "现行有效件数": lhs,
                                "上年现行有效件数": before[("art20", row, "in_force")],
                                "本年制发件数": now[keys[1]],
                                "本年废止件数": now[keys[2]],
                            },
                            "现行有效件数(本年) ≈ 现行有效件数(上年) + 本年制发 - 本年废止（文件清理会打破，仅提示）",
                        )
                    )
        return [
            (
                stable_id("check", report_id, "cross-year", index),
                report_id,
                rule,
                table,
                over,
                int(lhs == rhs),
                lhs,
                rhs,
                lhs - rhs,
                _to_json(terms),
                description,
                "cross-year",
                previous_id,
            )
            for index, (rule, table, over, lhs, rhs, terms, description) in enumerate(checks)
        ]


# --- worker processes -------------------------------------------------------------------------------------

_PREPARER: Preparer | None = None


def _start_worker(preparer: Preparer, parent: int) -> None:
    """Pool initializer: the preparer comes through fork, not pickling. A worker whose loader died (SIGKILL
    runs no clean-up) exits within a second instead of waiting on its queue forever."""
    global _PREPARER
    _PREPARER = preparer

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def _prepare_chunk(chunk: list[tuple]) -> list[tuple]:
    out = []
    for file, number, line in chunk:
        file, number, line, line_hash = known_line(file, number, line, _PREPARER.known)
        item = parse_line(file, number, line, line_hash)
        if item[2] is not None and item[3] is None:
            item = (file, number, _PREPARER.prepare(item[2], line_hash, line), None, line_hash)
        out.append(item)
    return out


def prepared_records(
    paths: Iterable[Path], known: set[str] | None, preparer: Preparer, workers: int, ahead: int, chunk: int = 16
) -> Iterator[tuple]:
    """read_records, with every record parsed and Prepared in `workers` processes, in input order. About `ahead`
    records are in flight (a batch: the workers prepare the next batch while this process writes one), so memory
    stays flat however large the input."""
    preparer.known = known
    context = multiprocessing.get_context("fork")
    in_flight: deque = deque()
    window = max(2 * workers, ahead // chunk)
    with context.Pool(workers, initializer=_start_worker, initargs=(preparer, os.getpid())) as pool:
        lines = read_lines(paths)  # hashed (and checked against known) by the workers
        while True:
            block = list(islice(lines, chunk))
            if block:
                in_flight.append(pool.apply_async(_prepare_chunk, (block,)))
            if in_flight and (not block or len(in_flight) >= window):
                yield from in_flight.popleft().get()
            if not block and not in_flight:
                return


def default_workers(paths: list[Path]) -> int:
    """Worker processes for preparing records: one per CPU (the loader's own process mostly waits on SQLite), at
    most MAX_WORKERS, and none for inputs too small to repay starting them."""
    size = sum(p.stat().st_size for p in paths if p.exists())
    if size < PARALLEL_MIN_BYTES:
        return 0
    return min(MAX_WORKERS, len(os.sched_getaffinity(0)))


def _load_records(
    db: sqlite_utils.Database,
    loader: Loader,
    paths: list[Path],
    summary: LoadSummary,
    batch_size: int,
    progress,
    workers: int | None,
) -> None:
    """The batches: each in one transaction with the recomputation of what it touched."""
    batch: list = []

    def flush() -> None:
        if not batch:
            return
        batch_summary = LoadSummary()
        try:
            with db.conn:  # one transaction per batch: all of it, or none of it
                for file, line, record, error, line_hash in batch:
                    if error:
                        _issue(db.conn, file, line, "bad_record", error, record)
                        batch_summary.issues += 1
                    elif record is None:
                        batch_summary.unchanged += 1
                    else:
                        loader.write(record, file, line, batch_summary, line_hash)
                loader.write_pending()
                loader.recompute(batch_summary.touched)
        except BaseException:
            loader.forget()
            raise
        for key in ("written", "unchanged", "superseded", "issues"):
            setattr(summary, key, getattr(summary, key) + getattr(batch_summary, key))
        batch.clear()
        if progress:
            progress(summary)

    workers = default_workers(paths) if workers is None else workers
    # id -> content hash of the archive's reports, for the known set (without a raw store) and for the workers: read
    # in one pass, and only when one of them needs it (no index holds content_hash; each row carries its text)
    held = dict(db.conn.execute("SELECT id, content_hash FROM reports")) if workers > 0 or not loader.raw else {}
    known = None if loader.raw else set(held.values())
    deferred = workers > 0 and not held
    if deferred:  # a large load into an empty archive: these indexes are built once at the end, sorted
        with db.conn:
            for name in DEFERRED_INDEXES:
                db.conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    if workers > 0:
        loader.preparer.loaded = held
        items = prepared_records(paths, known, loader.preparer, workers, ahead=batch_size)
    else:
        items = read_records(paths, known)
    try:
        for item in items:
            summary.read += 1
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        flush()
    finally:
        items.close()  # stops the worker processes now, not when the traceback is collected
    if deferred:
        with db.conn:
            create_schema(db.conn)


def load(
    paths: Iterable[Path | str],
    db_path: Path | str,
    raw_dir: Path | str | None = None,
    batch_size: int = 500,
    progress=None,
    workers: int | None = None,
) -> LoadSummary:
    """Load record files into the archive at db_path (created if missing). Returns what happened.

    `workers` processes parse and prepare the records (default: default_workers; 0 = all in this process); the
    archive is the same either way, only this process writes it."""
    paths = [Path(p) for p in paths]
    db = sqlite_utils.Database(db_path)
    if not db.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():  # a new archive
        db.conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    # report ids are hashes, so a batch's rows land all over the B-trees: a large page cache keeps their
    # interior pages in memory instead of re-reading them for every batch
    db.conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    db.conn.execute("PRAGMA temp_store = MEMORY")
    with db.conn:
        create_schema(db.conn)
    summary = LoadSummary()
    raw = None
    if raw_dir:
        raw = read_raw(db.conn, Path(raw_dir), summary)
        with db.conn:
            db.conn.execute(
                "INSERT OR REPLACE INTO archive_info (key, value) VALUES ('raw_store', ?)",
                (str(Path(raw_dir).resolve()),),
            )
    try:
        _load_records(db, Loader(db, raw), paths, summary, batch_size, progress, workers)
    except BaseException:
        db.conn.close()  # rolls back the batch in progress; the archive stays as after the last one
        raise
    db.conn.execute("PRAGMA journal_mode = DELETE")  # a served (immutable) database cannot be in WAL mode
    db.conn.close()
    return summary
