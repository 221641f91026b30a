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
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import sqlite_utils

from archive import bodies as bodies_mod
from archive.schema import (
    CAPTURES,
    CELLS,
    REPORTS,
    create_schema,
    label_rows,
    stable_id,
    wide_table_name,
)
from archive.search import index_report, unindex_report

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


def read_records(
    paths: Iterable[Path], known: set[str] | None = None
) -> Iterator[tuple[str, int, dict | None, str | None, str | None]]:
    """(file, line, record, error, hash of the line) for every non-empty line of the input files.

    A record that cannot be loaded comes back with its error *and* the record (when it parsed), so the issue
    can carry the extraction's own error codes and the source it was read from.

    The hash of the line as written is the record's content hash: the extractor writes records
    deterministically, and hashing the bytes read is ten times cheaper than re-serialising the record.
    A line whose content hash is in `known` (already loaded, no crawl context to merge) is not even parsed:
    it comes back with record and error both None."""
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                line_hash = hashlib.sha256(line.strip().encode("utf-8")).hexdigest()
                if known is not None and canonical_hash({"record": line_hash, "raw": {}}) in known:
                    yield str(path), number, None, None, line_hash
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    yield str(path), number, None, f"not JSON: {error}", None
                    continue
                if not isinstance(record, dict):
                    yield str(path), number, None, "not a JSON object", None
                elif not (record.get("text") or record.get("cells")):
                    yield str(path), number, record, "record has neither text nor cells", None
                else:
                    yield str(path), number, record, None, line_hash


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


class Loader:
    def __init__(self, db: sqlite_utils.Database, raw: RawStore | None = None):
        self.db = db
        self.conn = db.conn
        self.raw = raw
        self.labels = {(lab.template, lab.table_name, lab.row_label, lab.col_label): lab for lab in label_rows()}

    # one record -> rows ----------------------------------------------------------------------------------

    def _raw_entry(self, record: dict) -> dict:
        if not self.raw:
            return {}
        shas = [(record.get("source") or {}).get("sha256")]
        shas += [r.get("sha256") for r in record.get("representations") or []]
        return next((self.raw.by_sha[s] for s in shas if s in self.raw.by_sha), {})

    def write(self, record: dict, file: str, line: int, summary: LoadSummary, line_hash: str | None = None) -> None:
        raw = self._raw_entry(record)
        report_id = report_id_for(record)
        content_hash = canonical_hash({"record": line_hash or record, "raw": raw})
        existing = self.conn.execute(
            "SELECT content_hash, extractor_version, title, text, body_id, year FROM reports WHERE id = ?", (report_id,)
        ).fetchone()
        if existing and existing[0] == content_hash:
            summary.unchanged += 1
            return
        if existing and (version_key(existing[1]), existing[0]) > (
            version_key(record.get("extractor_version")),
            content_hash,
        ):
            summary.superseded += 1
            return
        if existing:
            unindex_report(self.conn, report_id, existing[2], existing[3])
            self._delete_children(report_id)
            summary.touched.add((existing[4], existing[5]))
        body_id, resolution = self._body(record, raw)
        row = self._report_row(record, raw, report_id, body_id, resolution, content_hash)
        columns = [c.name for c in REPORTS.columns]
        self.conn.execute(
            "INSERT OR REPLACE INTO reports ("
            + ", ".join(columns)
            + ") VALUES ("
            + ", ".join("?" * len(columns))
            + ")",
            [row.get(c) for c in columns],
        )
        index_report(self.conn, report_id, row["title"], row["text"])
        self._children(record, report_id, body_id, file, line, summary)
        summary.touched.add((body_id, row["year"]))
        summary.written += 1

    def _delete_children(self, report_id: int) -> None:
        for table in ("cells", "sections", "report_documents"):
            self.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", (report_id,))
        self.conn.execute("DELETE FROM checks WHERE report_id = ? OR other_report_id = ?", (report_id, report_id))
        for template in ("2021", "2019"):
            for table in ("art20", "applications", "review_litigation"):
                self.conn.execute(f'DELETE FROM "{wide_table_name(template, table)}" WHERE report_id = ?', (report_id,))

    def _body(self, record: dict, raw: dict) -> tuple[int, bodies_mod.Resolution]:
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
        parent_id = None
        if parent:
            parent_name, parent_division = parent
            parent_id = bodies_mod.body_id_for(parent_name, parent_division)
            parent_resolution = bodies_mod.resolve(parent_name)
            parent_resolution.division = parent_division
            parent_resolution.level = bodies_mod.LEVEL_NAMES.get(parent_division.level)
            self._upsert_body(parent_id, parent_resolution, None, derived=True)
        self._upsert_body(body_id, resolution, parent_id, derived=False)
        return body_id, resolution

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

    def _report_row(self, record, raw, report_id, body_id, res, content_hash) -> dict:
        source = record.get("source") or {}
        cells = record.get("cells") or []
        checks = record.get("checks") or []
        text = record.get("text") or ""
        published = record.get("published") or raw.get("published")
        deadline = deadline_for(record.get("year"), res.body_type)
        places = bodies_mod.place_names(res.division)
        sha = source.get("sha256")
        archived = None
        if sha and self.conn.execute("SELECT path FROM documents WHERE sha256 = ?", (sha,)).fetchone() not in (
            None,
            (None,),
        ):
            archived = f"/-/archived/{sha}"
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
            "archived": archived,
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

    def _children(self, record: dict, report_id: int, body_id: int, file: str, line: int, summary) -> None:
        template = record.get("template") or "unknown"
        for position, section in enumerate(record.get("sections") or [], 1):
            self.conn.execute(
                "INSERT INTO sections (id, report_id, position, number, key, heading, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    stable_id("section", report_id, position),
                    report_id,
                    position,
                    section.get("number"),
                    section.get("key"),
                    section.get("heading"),
                    section.get("text"),
                ),
            )
        cell_rows, wide = [], {}
        for cell in record.get("cells") or []:
            label = self.labels.get((template, cell.get("table"), cell.get("row"), cell.get("col")))
            if label is None:
                _issue(
                    self.conn,
                    file,
                    line,
                    "cell_unknown_label",
                    f"template {template}: no declared cell "
                    f"{cell.get('table')} / {cell.get('row')} / {cell.get('col')}",
                )
                summary.issues += 1
                continue
            cell_rows.append(
                (
                    report_id,
                    label.id,
                    cell.get("value"),
                    int(bool(cell.get("uncertain"))),
                    cell.get("label_raw"),
                    cell.get("col_raw"),
                    cell.get("unit_raw"),
                    cell.get("page"),
                    cell.get("method"),
                )
            )
            table = wide.setdefault(wide_table_name(template, label.table_name), {"uncertain_cells": 0})
            table[label.wide_column] = cell.get("value")
            table["uncertain_cells"] += int(bool(cell.get("uncertain")))
        self.conn.executemany(
            "INSERT OR REPLACE INTO cells ("
            + ", ".join(c.name for c in CELLS.columns)
            + ") VALUES ("
            + ", ".join("?" * len(CELLS.columns))
            + ")",
            cell_rows,
        )
        for name, values in wide.items():
            values.update(report_id=report_id, body_id=body_id, year=record.get("year"))
            cols = list(values)
            self.conn.execute(
                f'INSERT OR REPLACE INTO "{name}" ('
                + ", ".join(f'"{c}"' for c in cols)
                + ") VALUES ("
                + ", ".join("?" * len(cols))
                + ")",
                [values[c] for c in cols],
            )
        check_rows = []
        for index, check in enumerate(record.get("checks") or []):
            holds = check.get("holds")
            lhs, rhs = check.get("lhs"), check.get("rhs")
            numeric = isinstance(lhs, int | float) and isinstance(rhs, int | float)
            check_rows.append(
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
                    json.dumps(check.get("terms") or {}, ensure_ascii=False),
                    check.get("description"),
                )
            )
        self.conn.executemany(
            "INSERT INTO checks (id, report_id, rule, table_name, over, holds, lhs, rhs, difference, terms, "
            "description, source, other_report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'extract', NULL)",
            check_rows,
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
            self.conn.execute(
                "INSERT INTO documents (sha256, media_type, size, url) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO NOTHING",
                (item["sha256"], item.get("media_type"), item.get("size"), item.get("url")),
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO report_documents (report_id, sha256, role, method, cells, chosen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (report_id, item["sha256"], role, method, cells, chosen),
            )

    # after a batch -------------------------------------------------------------------------------------

    def recompute(self, touched: set) -> None:
        """Versions, cross-year checks and body counts for the body x year groups a batch touched."""
        groups = {(b, y) for b, y in touched} | {(b, y + 1) for b, y in touched if y is not None}
        for body_id, year in sorted(groups, key=lambda g: (g[0], g[1] or 0)):
            self._versions(body_id, year)
        for body_id, year in sorted(groups, key=lambda g: (g[0], g[1] or 0)):
            self._cross_year(body_id, year)
        for body_id in {b for b, _ in groups}:
            self.conn.execute(
                "UPDATE bodies SET n_reports = (SELECT count(*) FROM reports WHERE body_id = ?) WHERE id = ?",
                (body_id, body_id),
            )

    def _versions(self, body_id: int, year: int | None) -> None:
        rows = self.conn.execute(
            "SELECT r.id, r.scope FROM reports r WHERE r.body_id = ? AND r.year IS ? ORDER BY r.scope, "
            "r.published IS NULL, r.published, "
            "(SELECT min(fetched_at) FROM captures c WHERE c.sha256 = r.sha256), r.id",
            (body_id, year),
        ).fetchall()
        by_scope: dict[str, list[int]] = {}
        for report_id, scope in rows:
            by_scope.setdefault(scope, []).append(report_id)
        for ids in by_scope.values():
            for number, report_id in enumerate(ids, 1):
                self.conn.execute(
                    "UPDATE reports SET version = ?, versions = ?, is_latest = ?, previous_id = ? WHERE id = ?",
                    (number, len(ids), int(number == len(ids)), ids[number - 2] if number > 1 else None, report_id),
                )

    def _values(self, report_id: int) -> dict[tuple[str, str, str], float]:
        return {
            (table, row, col): value
            for table, row, col, value in self.conn.execute(
                "SELECT l.table_name, l.row_key, l.col_key, c.value FROM cells c JOIN labels l ON l.id = c.label_id "
                "WHERE c.report_id = ?",
                (report_id,),
            )
        }

    def _cross_year(self, body_id: int, year: int | None) -> None:
        if year is None:
            return
        current = self.conn.execute(
            "SELECT id, scope, template FROM reports WHERE body_id = ? AND year = ? AND is_latest = 1", (body_id, year)
        ).fetchall()
        for report_id, scope, template in current:
            self.conn.execute("DELETE FROM checks WHERE report_id = ? AND source = 'cross-year'", (report_id,))
            previous = self.conn.execute(
                "SELECT id, template FROM reports WHERE body_id = ? AND year = ? AND scope = ? AND is_latest = 1",
                (body_id, year - 1, scope),
            ).fetchone()
            failed = 0
            if previous and template in ("2021", "2019") and previous[1] in ("2021", "2019"):
                failed = self._write_cross_year(report_id, previous[0], template, previous[1])
            self.conn.execute("UPDATE reports SET cross_year_failed = ? WHERE id = ?", (failed, report_id))

    def _write_cross_year(self, report_id: int, previous_id: int, template: str, previous_template: str) -> int:
        now, before = self._values(report_id), self._values(previous_id)
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
        failed = 0
        for index, (rule, table, over, lhs, rhs, terms, description) in enumerate(checks):
            holds = int(lhs == rhs)
            failed += 1 - holds
            self.conn.execute(
                "INSERT OR REPLACE INTO checks (id, report_id, rule, table_name, over, holds, lhs, rhs, difference, "
                "terms, description, source, other_report_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'cross-year', ?)",
                (
                    stable_id("check", report_id, "cross-year", index),
                    report_id,
                    rule,
                    table,
                    over,
                    holds,
                    lhs,
                    rhs,
                    lhs - rhs,
                    json.dumps(terms, ensure_ascii=False),
                    description,
                    previous_id,
                ),
            )
        return failed


def load(
    paths: Iterable[Path | str],
    db_path: Path | str,
    raw_dir: Path | str | None = None,
    batch_size: int = 500,
    progress=None,
) -> LoadSummary:
    """Load record files into the archive at db_path (created if missing). Returns what happened."""
    db = sqlite_utils.Database(db_path)
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    # report ids are hashes, so cells arrive in random key order: a large page cache keeps the B-trees' hot
    # pages in memory instead of re-reading them for every insert
    db.conn.execute("PRAGMA cache_size = -262144")
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
    loader = Loader(db, raw)
    batch: list = []

    def flush() -> None:
        if not batch:
            return
        with db.conn:  # one transaction per batch: all of it, or none of it
            batch_summary = LoadSummary()
            for file, line, record, error, line_hash in batch:
                if error:
                    _issue(db.conn, file, line, "bad_record", error, record)
                    batch_summary.issues += 1
                elif record is None:
                    batch_summary.unchanged += 1
                else:
                    loader.write(record, file, line, batch_summary, line_hash)
            loader.recompute(batch_summary.touched)
        for key in ("written", "unchanged", "superseded", "issues"):
            setattr(summary, key, getattr(summary, key) + getattr(batch_summary, key))
        batch.clear()
        if progress:
            progress(summary)

    known = None if raw else {row[0] for row in db.conn.execute("SELECT content_hash FROM reports")}
    for item in read_records((Path(p) for p in paths), known):
        summary.read += 1
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    flush()
    db.conn.execute("PRAGMA journal_mode = DELETE")  # a served (immutable) database cannot be in WAL mode
    db.conn.close()
    return summary
