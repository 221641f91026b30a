"""Extraction from a crawl's raw store: one record per report of <out>/reports.jsonl.

A report can have several representations: the detail page holding the report inline and one or
more attachments (a PDF and a DOCX of the same report, a scan). All are read; the richest wins —
a text layer over OCR, then more cells, then more text — and where two representations disagree on a
cell's value the record says so in `warnings` (the chosen one's value is kept, nothing is averaged).
The record carries the crawl's context: page URL, listing title, publication date, portal. A page or
file served with a charset in its HTTP Content-Type (captures.db `content_type`) is decoded with that
charset in mind (the bytes still decide when it lies, and the record says which encoding was used).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from extract.batch import convert_office, in_chunks, read_one
from extract.document import Document
from extract.errors import ReadError
from extract.limits import Limits
from extract.model import error_record, record
from extract.pipeline import Reading, parse_reading
from vocab.titles import issuing_body, report_year

CONTEXT = ("page_url", "listing_title", "published", "portal")
CHUNK = 50  # reports per LibreOffice batch
CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def read_index(raw_dir: str | Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, report entry or None, error message or None) for each line of reports.jsonl."""
    index = Path(raw_dir) / "reports.jsonl"
    with index.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"reports.jsonl line {number} is not JSON ({error.msg})"
                continue
            if not isinstance(entry, dict):
                yield number, None, f"reports.jsonl line {number} is not a JSON object"
                continue
            yield number, entry, None


def representations(entry: dict) -> list[dict]:
    """The stored files of a report: the inline page (when it holds the report) and the attachments."""
    out = []
    page = entry.get("page")
    if entry.get("inline") and isinstance(page, dict) and page.get("path"):
        out.append(page)
    out.extend(a for a in entry.get("attachments") or [] if isinstance(a, dict) and a.get("path"))
    return out


def served_charsets(raw_dir: Path, reps: list[dict]) -> dict[str, str]:
    """{stored path: charset} from the Content-Type each file was served with, where captures.db has one
    (the capture of the file's own URL first, else the latest with the same content)."""
    index = raw_dir / "captures.db"
    wanted = [rep for rep in reps if rep.get("sha256")]
    if not wanted or not index.is_file():
        return {}
    found = {}
    try:
        with closing(sqlite3.connect(f"file:{index}?mode=ro", uri=True)) as db:
            for rep in wanted:
                row = db.execute(
                    "SELECT content_type FROM captures WHERE sha256 = ? AND content_type LIKE '%charset%' "
                    "ORDER BY (url = ? OR final_url = ?) DESC, id DESC LIMIT 1",
                    (rep["sha256"], rep.get("url"), rep.get("url")),
                ).fetchone()
                match = CHARSET.search(row[0]) if row else None
                if match:
                    found[rep["path"]] = match.group(1)
    except sqlite3.Error:
        return found  # an unreadable index only costs the hint: the bytes are decoded by detection
    return found


def _richness(rec: dict) -> tuple:
    return (not rec["errors"], not rec["ocr"], len(rec["cells"]), len(rec["text"] or ""))


def _disagreements(chosen: dict, others: list[dict]) -> list[dict]:
    values = {(c["table"], c["row"], c["col"]): c["value"] for c in chosen["cells"]}
    warnings = []
    for other in others:
        for cell in other["cells"]:
            key = (cell["table"], cell["row"], cell["col"])
            if key in values and values[key] != cell["value"]:
                warnings.append({"code": "representations_disagree", "table": key[0], "row": key[1], "col": key[2],
                                 "chosen": values[key], "other": cell["value"], "other_source": other["source"],
                                 "message": f"{key[1]} / {key[2]}: {values[key]} in the chosen file, "
                                            f"{cell['value']} in {other['source'].get('url') or 'another file'}"})
    return warnings


def _summary(rec: dict, chosen: bool) -> dict:
    return {**rec["source"], "method": rec["method"], "cells": len(rec["cells"]), "chosen": chosen,
            "errors": rec["errors"]}


@dataclass
class ReportReading:
    """A report of the raw store with its representations read (`readings`, in order; a record for a stored
    path that points outside the store), ready for `finish_report`."""

    entry: dict
    readings: list[tuple[dict, Reading | dict]] = field(default_factory=list)

    @property
    def held(self) -> int:
        """Bytes of the files it holds."""
        return sum(len(reading.data) for _, reading in self.readings if isinstance(reading, Reading))


def read_report(raw_dir: str | Path, entry: dict, limits: Limits | None = None,
                converted: dict[str, Document | ReadError] | None = None) -> ReportReading:
    """Every representation of one report read (`converted`: office files of the store already converted in a
    batch)."""
    raw_dir = Path(raw_dir)
    reps = representations(entry)
    charsets = served_charsets(raw_dir, reps)
    report = ReportReading(entry)
    for rep in reps:
        if Path(rep["path"]).is_absolute() or ".." in Path(rep["path"]).parts:
            message = f"the stored path {rep['path']!r} points outside the raw store"
            report.readings.append((rep, error_record({"path": rep["path"]},
                                                      [{"code": "bad_index_line", "message": message}])))
            continue
        report.readings.append((rep, read_one(str(raw_dir / rep["path"]), converted or {},
                                              limits or Limits.from_env(), charsets.get(rep["path"]))))
    return report


def finish_report(report: ReportReading) -> dict:
    """The record of a report read, from its richest representation."""
    entry = report.entry
    context = {
        "page_url": entry.get("page_url"),
        "listing_title": entry.get("title"),
        "published": entry.get("published"),
        "portal": entry.get("portal"),
    }
    if not report.readings:
        return error_record({"url": entry.get("page_url")},
                            [{"code": "no_representation", "message": "the report has no stored page or file"}],
                            **context)
    records = []
    for rep, reading in report.readings:
        if not isinstance(reading, Reading):
            records.append(reading)
            continue
        rec = parse_reading(reading)
        rec["source"] = {"url": rep.get("url"), "path": rep["path"], **{k: v for k, v in rec["source"].items()
                                                                         if k != "path"}}
        records.append(rec)
    chosen = max(records, key=_richness)
    others = [r for r in records if r is not chosen]
    fields = {k: v for k, v in chosen.items() if k not in (*CONTEXT, "representations")}
    fields["representations"] = [_summary(r, r is chosen) for r in records]
    fields["warnings"] = chosen["warnings"] + _disagreements(chosen, others)
    if not fields["title"] and context["listing_title"]:
        fields["title"] = context["listing_title"]
        fields["body"] = issuing_body(context["listing_title"])
        fields["year"] = report_year(context["listing_title"])
    if fields["year"] is None and isinstance(entry.get("year"), int):
        fields["year"] = entry["year"]
    return record(**fields, **context)


def extract_report(raw_dir: str | Path, entry: dict, limits: Limits | None = None,
                   converted: dict[str, Document | ReadError] | None = None) -> dict:
    """The record of one report of the raw store, from its richest representation."""
    return finish_report(read_report(raw_dir, entry, limits, converted))


def extract_raw(raw_dir: str | Path, limits: Limits | None = None, chunk: int = CHUNK, skip: int = 0) -> Iterator[dict]:
    """One record per report of <raw_dir>/reports.jsonl (a bad line becomes a record with `errors`), but for the
    first `skip` reports (a resumed extraction: their records were written before).

    Reports are taken `chunk` at a time so that the office files of a chunk are converted in one
    LibreOffice batch, without holding a whole store's converted documents in memory; within it, a few
    reports' files are read before they are parsed (extract.batch.in_chunks).
    """
    limits = limits or Limits.from_env()
    pending: list[tuple[int, dict | None, str | None]] = []
    for position, line in enumerate(read_index(raw_dir)):
        if position < skip:
            continue
        pending.append(line)
        if len(pending) >= chunk:
            yield from _extract_chunk(Path(raw_dir), pending, limits)
            pending = []
    yield from _extract_chunk(Path(raw_dir), pending, limits)


def _extract_chunk(raw_dir: Path, pending: list[tuple[int, dict | None, str | None]], limits: Limits) -> Iterator[dict]:
    paths = [str(raw_dir / rep["path"]) for _, entry, _ in pending if entry for rep in representations(entry)
             if not Path(rep["path"]).is_absolute() and ".." not in Path(rep["path"]).parts]
    converted = convert_office(paths, limits)
    reads = (_bad_line(number, problem) if entry is None else read_report(raw_dir, entry, limits, converted)
             for number, entry, problem in pending)
    yield from in_chunks(reads, _finish, _held)


def _bad_line(number: int, problem: str | None) -> dict:
    return error_record({"path": f"reports.jsonl:{number}"}, [{"code": "bad_index_line", "message": problem}])


def _finish(read: ReportReading | dict) -> dict:
    return finish_report(read) if isinstance(read, ReportReading) else read


def _held(read: ReportReading | dict) -> int:
    return read.held if isinstance(read, ReportReading) else 0
