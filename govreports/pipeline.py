"""`govreports run`'s stages over one output directory, each skipped when its output is up to date.

    <out>/raw/            the crawl's raw store (crawler)          <out>/archive.db   the archive (load)
    <out>/records.jsonl   report-model records (extract)           <out>/release/     release files (publish)
    <out>/state.json      what each stage last did, and from which input

A stage is up to date when state.json says it finished from exactly the input it would read now (a
fingerprint: the SHA-256 of its input files and the extractor version); the crawl is up to date when the
same seeds were crawled to the end less than `fresh_hours` ago. state.json is written (atomically) only
after a stage has finished, so a run killed at any point is finished by running the same command again:

- crawl: the crawler keeps every capture; reports.jsonl is only rewritten at the end of a crawl;
- extract: records go to records.jsonl.part, one flushed line per report; a new run keeps the complete
  lines written from the same input and goes on from there; the file is renamed when all are done;
- load: the loader is transactional per batch and idempotent, so loading the records again finishes it;
- publish: rewrites the release from the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from govreports.ui import Output, log_without_tracebacks


def min_free_bytes() -> int:
    """Free space a stage wants before it starts (GOVREPORTS_MIN_FREE_MB, default 20 MB)."""
    return int(float(os.environ.get("GOVREPORTS_MIN_FREE_MB", "20")) * 1024 * 1024)


@dataclass
class StageResult:
    stage: str
    ran: bool
    reason: str
    seconds: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)


class Layout:
    """Where each stage's output lives under one output directory."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.raw = self.out / "raw"
        self.records = self.out / "records.jsonl"
        self.partial_records = self.out / "records.jsonl.part"
        self.db = self.out / "archive.db"
        self.release = self.out / "release"
        self.state_file = self.out / "state.json"

    def extract_input(self) -> str:
        """What extraction reads: the crawl's report index (its entries name the stored files by hash) and
        the extractor version."""
        from extract.model import extractor_version

        return fingerprint(self.raw / "reports.jsonl", extractor_version())

    def load_input(self) -> str:
        """What loading reads: the records, the report index and the capture index (captures, documents)."""
        return fingerprint(self.records, self.raw / "reports.jsonl", self.raw / "captures.db")

    def state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def save_state(self, state: dict[str, Any]) -> None:
        write_atomically(self.state_file, json.dumps(state, ensure_ascii=False, indent=2) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all (temporary file, fsync, rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def fingerprint(*parts: Path | str) -> str:
    """SHA-256 over files' bytes (a missing file counts as absent) and plain strings."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(part.name.encode())
            if part.exists():
                with part.open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
            else:
                digest.update(b"\0absent")
        else:
            digest.update(part.encode())
    return digest.hexdigest()


def check_writable(directory: Path) -> None:
    """Fail early, with the OSError the user can act on, when `directory` cannot take our output."""
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".write-probe-{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            handle.write(b"govreports")
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        probe.unlink(missing_ok=True)
    free = shutil.disk_usage(directory).free
    if free < min_free_bytes():
        raise OSError(28, f"only {free // 1024} KiB free", str(directory))


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


class Pipeline:
    """The four stages over one Layout, reporting through one Output."""

    def __init__(self, layout: Layout, output: Output):
        self.layout = layout
        self.output = output
        self.results: list[StageResult] = []

    def _finish(self, result: StageResult, started: float, state_update: dict | None) -> StageResult:
        result.seconds = round(time.monotonic() - started, 2)
        if state_update is not None:
            state = self.layout.state()
            state[result.stage] = {**state_update, "finished_at": now(), "figures": result.figures}
            self.layout.save_state(state)
        self.results.append(result)
        return result

    # --- crawl ------------------------------------------------------------------------------------------

    def crawl(self, seeds: Path | None, urls: tuple[str, ...], settings: dict[str, Any],
              fresh_hours: float = 20.0, force: bool = False) -> StageResult:
        started = time.monotonic()
        source = fingerprint(*(urls or ()), seeds if seeds else "no seeds")
        last = self.layout.state().get("crawl", {})
        age_hours = _age_hours(last.get("finished_at"))
        reports_file = self.layout.raw / "reports.jsonl"
        if (not force and last.get("input") == source and reports_file.exists()
                and age_hours is not None and age_hours < fresh_hours):
            return self._finish(StageResult("crawl", False, f"crawled {age_hours:.1f} h ago (fresh for "
                                                             f"{fresh_hours:g} h; --force to crawl again)",
                                            figures=last.get("figures", {})), started, None)
        check_writable(self.layout.raw)
        from crawler.run import run_crawl

        before = reports_file.stat().st_mtime_ns if reports_file.exists() else None
        overrides = {"LOG_LEVEL": "WARNING" if self.output.chatty else "ERROR", **settings}
        with (self.output.progress("crawl", None) as advance, _CaptureCounter(self.layout.raw, advance),
              log_without_tracebacks()):
            summary = run_crawl(self.layout.raw, seeds=seeds, urls=urls, overrides=overrides)
        after = reports_file.stat().st_mtime_ns if reports_file.exists() else None
        if after is None or after == before or summary.get("finish_reason") not in ("finished", "closespider"):
            raise CrawlIncomplete(self.layout.raw, summary.get("finish_reason"))
        run = summary.get("run") or {}
        figures = {"reports": summary["reports"], "attachments": summary["attachments"],
                   "requests": summary["requests"], "mode": run.get("mode"), "revisits": run.get("revisits"),
                   "gone": run.get("gone"), "alerts": run.get("alerts", []),
                   "new_reports": new_reports(self.layout.raw)}
        return self._finish(StageResult("crawl", True, summary.get("finish_reason") or "", figures=figures),
                            started, {"input": source})

    # --- extract ----------------------------------------------------------------------------------------

    def extract(self, force: bool = False) -> StageResult:
        started = time.monotonic()
        index = self.layout.raw / "reports.jsonl"
        if not index.exists():
            raise NothingToDo(f"{self.layout.raw} holds no crawl yet (no reports.jsonl): run `govreports run "
                              f"--url URL --out {self.layout.out}` or `govreports crawl` first.")
        source = self.layout.extract_input()
        last = self.layout.state().get("extract", {})
        if not force and last.get("input") == source and self.layout.records.exists():
            return self._finish(StageResult("extract", False, "records up to date", figures=last.get("figures", {})),
                                started, None)
        check_writable(self.layout.out)
        figures = self._extract_into_part(index, source)
        os.replace(self.layout.partial_records, self.layout.records)
        self.layout.partial_records.with_suffix(".input").unlink(missing_ok=True)
        return self._finish(StageResult("extract", True, "extracted", figures=figures), started, {"input": source})

    def _extract_into_part(self, index: Path, source: str) -> dict[str, Any]:
        from extract.batch import batch_collection
        from extract.limits import Limits
        from extract.rawstore import extract_raw

        part, part_input = self.layout.partial_records, self.layout.partial_records.with_suffix(".input")
        done = _complete_lines(part) if part_input.exists() and part_input.read_text() == source else 0
        if done == 0:
            part.unlink(missing_ok=True)
            write_atomically(part_input, source)
        _truncate_to_lines(part, done)
        limits, total = Limits.from_env(), count_lines(index)
        with (part.open("a", encoding="utf-8") as out, self.output.progress("extract", total) as advance,
              batch_collection()):
            advance(completed=done)
            for rec in extract_raw(self.layout.raw, limits, skip=done):
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                out.flush()
                advance(note=rec.get("title") or "")
            os.fsync(out.fileno())
        records = _read_records(part)
        return {"records": len(records), "failed": sum(bool(r["errors"]) for r in records),
                "cells": sum(len(r["cells"]) for r in records), "resumed_after": done,
                "errors": dict(Counter(r["errors"][0]["code"] for r in records if r["errors"]))}

    # --- load -------------------------------------------------------------------------------------------

    def load(self, force: bool = False) -> StageResult:
        from archive.load import load as load_records

        started = time.monotonic()
        if not self.layout.records.exists():
            raise NothingToDo(f"{self.layout.out} has no records.jsonl yet: run `govreports run --out "
                              f"{self.layout.out}` to extract the raw store first.")
        source = self.layout.load_input()
        last = self.layout.state().get("load", {})
        if not force and last.get("input") == source and self.layout.db.exists():
            return self._finish(StageResult("load", False, "archive up to date", figures=last.get("figures", {})),
                                started, None)
        check_writable(self.layout.out)
        total = count_lines(self.layout.records)
        with self.output.progress("load", total) as advance:
            summary = load_records([self.layout.records], self.layout.db, raw_dir=self.layout.raw,
                                   progress=lambda s: advance(completed=s.read))
        return self._finish(StageResult("load", True, "loaded", figures=summary.as_dict()), started,
                            {"input": source})

    # --- publish ----------------------------------------------------------------------------------------

    def publish(self, force: bool = False) -> StageResult:
        from archive.publication import publish as publish_archive

        started = time.monotonic()
        state = self.layout.state()
        source = state.get("load", {}).get("input")
        last = state.get("publish", {})
        if not self.layout.db.exists():
            raise NothingToDo(f"{self.layout.db} does not exist yet: run `govreports run --out {self.layout.out}`.")
        if not force and source and last.get("input") == source and (self.layout.release / "VERSION").exists():
            return self._finish(StageResult("publish", False, "release up to date", figures=last.get("figures", {})),
                                started, None)
        check_writable(self.layout.out)
        with self.output.progress("publish", None):
            out = publish_archive(self.layout.db, self.layout.release)
        version = json.loads((out / "VERSION").read_text(encoding="utf-8"))
        figures = {"release": str(out), **{k: v for k, v in version.get("rows", {}).items()
                                           if k in ("reports", "cells", "checks", "load_issues")}}
        return self._finish(StageResult("publish", True, "published", figures=figures), started, {"input": source})

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.layout.out), "stages": [asdict(result) for result in self.results]}


class StageError(click.ClickException):
    """A stage cannot run or did not finish; the message says what to do (shown without a traceback)."""


class NothingToDo(StageError):
    """A stage has no input: the message says which command makes it."""


class CrawlIncomplete(StageError):
    def __init__(self, raw: Path, reason: str | None):
        super().__init__(f"The crawl into {raw} did not finish (reason: {reason or 'unknown'}); its captures are "
                         "kept. Look at the warnings above, then run the same command again.")


class _CaptureCounter:
    """Show the number of captures while Scrapy crawls, read from captures.db every half second."""

    def __init__(self, raw: Path, advance):
        import threading

        self.db, self.advance = raw / "captures.db", advance
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.stop.wait(0.5):
            self._count_once()

    def _count_once(self) -> None:
        import sqlite3

        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.2) as db:
                (count,) = db.execute("SELECT count(*) FROM captures").fetchone()
        except sqlite3.Error:
            return
        self.advance(completed=count, note=f"{count} captures")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=2)
        self._count_once()


def new_reports(raw: Path) -> list[dict[str, Any]]:
    """Reports the last crawl found for the first time (the capture index's reports.first_run)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{raw / 'captures.db'}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT page_url, title FROM reports WHERE first_run = "
                              "(SELECT max(id) FROM runs) ORDER BY page_url").fetchall()
    except sqlite3.Error:
        return []
    return [{"page_url": url, "title": title} for url, title in rows]


def _read_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _complete_lines(path: Path) -> int:
    """How many whole JSON lines start the file (a line cut by a kill does not count)."""
    if not path.exists():
        return 0
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                json.loads(line)
            except ValueError:
                break
            count += 1
    return count


def _truncate_to_lines(path: Path, lines: int) -> None:
    if not path.exists():
        return
    keep = 0
    with path.open("rb") as handle:
        for _ in range(lines):
            keep += len(handle.readline())
    with path.open("r+b") as handle:
        handle.truncate(keep)


def _age_hours(finished_at: str | None) -> float | None:
    if not finished_at:
        return None
    return (datetime.now(UTC) - datetime.fromisoformat(finished_at)).total_seconds() / 3600


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
