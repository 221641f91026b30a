"""Resuming a crawl after a kill: the capture index, not Scrapy's JOBDIR, is the record of truth.

A run that did not finish with reason "finished" (killed with SIGKILL, paused with Ctrl-C, stopped by a
CLOSESPIDER limit) is incomplete; the next run into the same `--out` continues it. That run starts
again from the start URLs, and every request the incomplete runs already captured is answered from
the raw store (its WARC record) instead of the network: the spider parses the stored page again and
rediscovers everything that followed from it, and only what was never captured is fetched. So a
crawl killed at any moment and run again with the same command ends with the same captures as an
uninterrupted crawl, none twice. Requests are matched by a key of method, URL and body, in order (a
retried URL replays its attempts one after the other), recorded in `request_keys` next to each capture.

Scrapy's JOBDIR (disk queues, seen requests) is written consistently only on a clean stop: it is kept
when the previous run was paused (finish reason "shutdown") and deleted otherwise, since after a kill
its seen-requests file would make the re-run skip requests whose results were lost.

A kill can also leave the end of the last WARC file with records that the index never committed (or a
record cut in the middle): before replaying, each WARC file the killed run wrote is truncated after
its last indexed record, and a capture whose record cannot be read is deleted (it is fetched again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionRefusedError as TwistedConnectionRefused
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from warcio.archiveiterator import ArchiveIterator

from crawler.store.raw import RawStore
from crawler.stored import StoredCopyMissing, as_response, stored_exchange

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS request_keys (capture_id INTEGER PRIMARY KEY, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS request_keys_key ON request_keys(key);
"""
REPLAYED = "_replayed_capture"  # meta key; "_" keeps the spider from copying it into the next requests
# A failed fetch is replayed as the failure it was, so that retries and errbacks behave as they did.
FAILURES = {
    "too_large": CancelledError,
    "timeout": TwistedTimeoutError,
    "network_error": TwistedConnectionRefused,
}


def request_key(request: Request) -> str:
    """What identifies a request across runs: method, URL and body."""
    digest = hashlib.sha1(f"{request.method} {request.url}\n".encode())
    digest.update(request.body or b"")
    return digest.hexdigest()


def finish_reason(row: sqlite3.Row) -> str | None:
    """Why a run ended (Scrapy's finish reason), or None if it never ended (killed)."""
    if row["finished_at"] is None:
        return None
    return json.loads(row["stats"] or "{}").get("finish_reason")


def incomplete_runs(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """The runs since the last one that finished with reason "finished", oldest first."""
    chain: list[sqlite3.Row] = []
    for row in db.execute("SELECT id, started_at, finished_at, stats FROM runs ORDER BY id"):
        chain = [] if finish_reason(row) == "finished" else [*chain, row]
    return chain


def _open(path: Path) -> sqlite3.Connection | None:
    if not path.exists():
        return None
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    has_runs = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").fetchone()
    if not has_runs:
        db.close()
        return None
    return db


def _record_end(warc_path: Path, offset: int, records: int) -> int:
    """Where the `records` records starting at `offset` end (warcio's offsets are the file's own)."""
    with open(warc_path, "rb") as stream:
        stream.seek(offset)
        iterator = ArchiveIterator(stream)
        end = offset
        for _, record in zip(range(records), iterator, strict=False):
            record.raw_stream.read()
            end = iterator.get_record_offset() + iterator.get_record_length()
    return end


def repair_warc_tails(out_dir: Path, db: sqlite3.Connection, run_ids: list[int]) -> list[str]:
    """Truncate each WARC file the killed runs wrote after its last indexed record (response + request).

    Returns the files that were cut."""
    marks = ",".join("?" for _ in run_ids)
    files = [row[0] for row in db.execute(
        f"SELECT DISTINCT warc_file FROM captures WHERE run_id IN ({marks}) AND warc_file IS NOT NULL", run_ids)]
    cut = []
    for name in files:
        path = Path(out_dir) / "warc" / name
        last = db.execute("SELECT MAX(warc_offset) FROM captures WHERE warc_file = ?", (name,)).fetchone()[0]
        if not path.exists() or last is None:
            continue
        end = _record_end(path, last, 2)
        if end < path.stat().st_size:
            with open(path, "r+b") as stream:
                stream.truncate(end)
            cut.append(name)
    return cut


@dataclass(frozen=True)
class StoredCapture:
    id: int
    outcome: str
    revisit_of: int | None


def load_replay(db: sqlite3.Connection, run_ids: list[int]) -> dict[str, deque[StoredCapture]]:
    """Request key -> the captures the incomplete runs made for it, in the order they were made."""
    pending: dict[str, deque[StoredCapture]] = defaultdict(deque)
    if not run_ids:
        return pending
    has_keys = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'request_keys'").fetchone()
    if not has_keys:
        return pending
    marks = ",".join("?" for _ in run_ids)
    rows = db.execute(
        f"SELECT c.id, c.outcome, c.revisit_of, k.key FROM captures c JOIN request_keys k ON k.capture_id = c.id "
        f"WHERE c.run_id IN ({marks}) ORDER BY c.id", run_ids,
    )
    for row in rows:
        pending[row["key"]].append(StoredCapture(row["id"], row["outcome"], row["revisit_of"]))
    return pending


def prepare_jobdir(jobdir: str | None, previous: sqlite3.Row | None) -> bool:
    """Keep JOBDIR only after a clean pause; return whether it was kept."""
    if not jobdir or not Path(jobdir).exists():
        return False
    if previous is not None and finish_reason(previous) == "shutdown":
        return True
    shutil.rmtree(jobdir)
    Path(jobdir).mkdir(parents=True)  # empty again: extensions (SpiderState) already hold its path
    logger.info("JOBDIR %s deleted: the previous run did not pause cleanly, the capture index is used", jobdir)
    return False


class ResumeMiddleware:
    """Downloader middleware: records each capture's request key; answers the requests an incomplete
    run already captured from the raw store (see the module docstring)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = RawStore.for_crawler(crawler)
        self.store.index.db.executescript(SCHEMA)
        self.commit_seconds = crawler.settings.getfloat("INDEX_COMMIT_SECONDS", 5.0)
        self.committed_at = time.monotonic()
        self.resumed: list[int] = []
        self.pending: dict[str, deque[StoredCapture]] = defaultdict(deque)
        db = _open(self.store.index.path)
        chain = incomplete_runs(db) if db is not None else []
        self.jobdir_kept = prepare_jobdir(crawler.settings.get("JOBDIR"), chain[-1] if chain else None)
        if chain:
            self.resumed = [row["id"] for row in chain]
            killed = [row["id"] for row in chain if row["finished_at"] is None]
            if killed:
                cut = repair_warc_tails(self.store.out_dir, db, killed)
                if cut:
                    logger.info("WARC files cut after their last indexed record: %s", ", ".join(cut))
            self.pending = load_replay(db, self.resumed)
            logger.info("resuming runs %s: %d captured requests answered from the store",
                        self.resumed, sum(len(queue) for queue in self.pending.values()))
        if db is not None:
            db.close()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        if self.resumed:
            self.store.index.add_event("run_resumed", None, None, f"continues runs {self.resumed}",
                                       resumes=self.resumed, jobdir_kept=self.jobdir_kept)

    def process_request(self, request, spider):
        request.meta.pop(REPLAYED, None)
        queue = self.pending.get(request_key(request))
        if not queue:
            return None
        capture = queue.popleft()
        request.meta[REPLAYED] = capture.id
        self.crawler.stats.inc_value("govreports/replayed")
        if capture.outcome in FAILURES:
            raise FAILURES[capture.outcome](f"replayed from capture {capture.id}")
        if capture.outcome == "robots_disallowed":
            raise IgnoreRequest(f"replayed from capture {capture.id}")
        source = capture.revisit_of if capture.outcome == "not_modified" else capture.id
        try:
            exchange = stored_exchange(self.store.out_dir, self.store.index.db, source)
        except StoredCopyMissing as error:
            self._forget(capture.id, str(error))
            request.meta.pop(REPLAYED)
            return None
        status = 200 if capture.outcome == "not_modified" else None
        return as_response(exchange, request, status)

    def _forget(self, capture_id: int, why: str) -> None:
        """A capture whose WARC record was lost in the kill: deleted, so the request is fetched again."""
        db = self.store.index.db
        db.execute("DELETE FROM captures WHERE id = ?", (capture_id,))
        db.execute("DELETE FROM request_keys WHERE capture_id = ?", (capture_id,))
        self.store.index.add_event("capture_lost", None, None, why, capture_id=capture_id)

    def _remember(self, request) -> None:
        capture_id = request.meta.get("capture_id")
        if capture_id is not None and REPLAYED not in request.meta:
            self.store.index.db.execute(
                "INSERT OR IGNORE INTO request_keys (capture_id, key) VALUES (?, ?)", (capture_id, request_key(request))
            )
        # The index commits in batches; a slow, polite crawl also commits every INDEX_COMMIT_SECONDS, so
        # that a kill loses at most that much work.
        if time.monotonic() - self.committed_at >= self.commit_seconds:
            self.store.index.commit()
            self.committed_at = time.monotonic()

    def process_response(self, request, response, spider):
        self._remember(request)
        return response

    def process_exception(self, request, exception, spider):
        self._remember(request)
        return None
