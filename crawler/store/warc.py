"""WARC writer (warcio): a request and a response record per HTTP exchange, all headers kept, a
revisit record instead of a second copy when the same payload was captured before, files rotated by size.

Two revisit profiles (WARC 1.1, section 6.7): *identical-payload-digest* for a 200 whose bytes were
captured before, and *server-not-modified* for a 304 answering a conditional request; the latter names
the capture it confirms (WARC-Refers-To-Target-URI, -Date and, when known, WARC-Refers-To).

Scrapy hands us the body after transfer decoding, so a `Transfer-Encoding` header no longer describes
the bytes; it is kept, renamed `X-Archive-Orig-Transfer-Encoding` (the convention of pywb/warcprox),
so that WARC readers do not try to de-chunk a body that is not chunked.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_HOP_BY_HOP_RENAMED = {"transfer-encoding"}
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class WarcPosition:
    """Where the response (or revisit) record of a capture starts."""

    file: str
    offset: int
    record_id: str


@dataclass(frozen=True)
class RevisitOf:
    """The earlier capture a revisit record refers to; `not_modified` for a 304 (server-not-modified)."""

    uri: str
    date: datetime
    record_id: str | None = None
    not_modified: bool = False


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as Scrapy saw them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


def warc_sha1(body: bytes) -> str:
    """The WARC-Payload-Digest form of a payload digest (base32 sha1)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _archived_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (f"X-Archive-Orig-{name}" if name.lower() in _HOP_BY_HOP_RENAMED else name, value)
        for name, value in headers
    ]


def _not_modified_record(writer: WARCWriter, url: str, revisit_of: RevisitOf, http_headers: StatusAndHeaders,
                         date: str):
    """A server-not-modified revisit record: the 304's headers, no payload, the confirmed capture named."""
    headers = {
        "WARC-Date": date, "WARC-Profile": SERVER_NOT_MODIFIED, "WARC-Refers-To-Target-URI": revisit_of.uri,
        "WARC-Refers-To-Date": _warc_date(revisit_of.date),
    }
    if revisit_of.record_id:
        headers["WARC-Refers-To"] = revisit_of.record_id
    return writer.create_warc_record(url, "revisit", http_headers=http_headers, warc_headers_dict=headers)


class WarcFiles:
    """Appends records to `<out>/warc/<prefix>-<n>.warc.gz`, opening a new file past `max_size` bytes."""

    def __init__(self, directory: Path, prefix: str, max_size: int, software: str = "govreports crawler"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.software = software
        self._sequence = 0
        self._file: io.FileIO | None = None
        self._writer: WARCWriter | None = None
        self._name = ""

    def _open_next(self) -> None:
        self.close()
        self._sequence += 1
        self._name = f"{self.prefix}-{self._sequence:05d}.warc.gz"
        # Unbuffered: every record is in the file before its capture reaches the index, so a crawl
        # killed with SIGKILL never has an indexed capture without its WARC record (crawler.resume).
        self._file = open(self.directory / self._name, "ab", buffering=0)
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(self._name, {"software": self.software, "format": "WARC/1.1"})
        self._writer.write_record(info)

    def _writer_for_next_record(self) -> WARCWriter:
        if self._writer is None or (self._file is not None and self._file.tell() >= self.max_size):
            self._open_next()
        assert self._writer is not None
        return self._writer

    def write(self, exchange: Exchange, revisit_of: RevisitOf | None = None) -> WarcPosition:
        """Write the request and the response (or, with `revisit_of`, a revisit) records."""
        writer = self._writer_for_next_record()
        assert self._file is not None
        date = _warc_date(exchange.fetched_at)
        response_headers = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(), _archived_headers(exchange.response_headers),
            protocol="HTTP/1.1",
        )
        if revisit_of is None:
            response = writer.create_warc_record(
                exchange.url, "response", payload=io.BytesIO(exchange.body), length=None,
                http_headers=response_headers, warc_headers_dict={"WARC-Date": date},
            )
        elif revisit_of.not_modified:
            response = _not_modified_record(writer, exchange.url, revisit_of, response_headers, date)
        else:
            response = writer.create_revisit_record(
                exchange.url, warc_sha1(exchange.body), revisit_of.uri, _warc_date(revisit_of.date),
                http_headers=response_headers, warc_headers_dict={"WARC-Date": date},
            )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        path = exchange.url.split("/", 3)[3] if exchange.url.count("/") >= 3 else ""
        request = writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(exchange.request_body),
            http_headers=StatusAndHeaders(
                f"{exchange.method} /{path} HTTP/1.1", exchange.request_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        offset = self._file.tell()
        writer.write_record(response)
        writer.write_record(request)
        return WarcPosition(self._name, offset, record_id)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
