"""Responses rebuilt from the raw store: the HTTP status, headers and payload of a capture, read back from
its WARC record (warcio), so that the spider can parse a page without fetching it again — a 304 answered
from the stored copy (crawler.incremental) or a capture replayed after a kill (crawler.resume).

A revisit record carries headers but no payload: the payload is read from the capture it revisits.
The payload is the record's raw stream: the crawler stores bodies as received (no Content-Encoding, the
Transfer-Encoding header renamed), so warcio must not try to decode them again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator


class StoredCopyMissing(LookupError):
    """The capture's WARC record cannot be read (file gone, record truncated by a kill)."""


@dataclass(frozen=True)
class StoredExchange:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def read_record(warc_path: Path, offset: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, payload) of the response or revisit record starting at `offset`."""
    try:
        with open(warc_path, "rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream)))
            body = record.raw_stream.read()
            http = record.http_headers
            if http is None:
                raise StoredCopyMissing(f"{warc_path}@{offset} has no HTTP headers")
            return int(http.get_statuscode()), list(http.headers), body
    except (OSError, StopIteration, ValueError, EOFError) as error:
        raise StoredCopyMissing(f"{warc_path}@{offset}: {error}") from error


def _capture(db: sqlite3.Connection, capture_id: int) -> sqlite3.Row:
    row = db.execute(
        "SELECT id, url, warc_file, warc_offset, revisit_of, outcome FROM captures WHERE id = ?", (capture_id,)
    ).fetchone()
    if row is None or row["warc_file"] is None:
        raise StoredCopyMissing(f"capture {capture_id} has no WARC record")
    return row


def stored_exchange(out_dir: Path, db: sqlite3.Connection, capture_id: int) -> StoredExchange:
    """The exchange recorded by a capture, with the payload of the capture it revisits if it is a revisit."""
    row = _capture(db, capture_id)
    status, headers, body = read_record(Path(out_dir) / "warc" / row["warc_file"], row["warc_offset"])
    if row["revisit_of"] is not None:
        original = _capture(db, row["revisit_of"])
        _, _, body = read_record(Path(out_dir) / "warc" / original["warc_file"], original["warc_offset"])
    return StoredExchange(row["url"], status, headers, body)


def as_response(exchange: StoredExchange, request: Request, status: int | None = None) -> Response:
    """A Scrapy response of the class the downloader would have built for these headers and bytes."""
    headers = Headers()
    for name, value in exchange.headers:
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=exchange.body)
    return cls(url=request.url, status=status or exchange.status, headers=headers, body=exchange.body,
               request=request)
