"""Store every HTTP exchange: WARC records, the capture index row, and — for report pages and
attachments whose outcome is "ok" — the bytes in the content-addressed file store.

Sits above RedirectMiddleware and RetryMiddleware, so redirects and retried 5xx are captured too.
Bytes seen before (same sha256) become a WARC revisit record pointing at the first capture; a URL
whose bytes changed gets the next version number. Downloads that fail (too large, timeout, network)
are recorded with that outcome.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from http import HTTPStatus
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from crawler.canonical import canonical_url
from crawler.incremental import VALIDATED_BY
from crawler.resume import REPLAYED
from crawler.sniff import extension_for, media_type
from crawler.store.index import iso, utc_now
from crawler.store.raw import RawStore
from crawler.store.warc import Exchange, RevisitOf

STORED_ROLES = frozenset({"detail", "attachment"})


def _headers(headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items() for value in values
    ]


def failure_outcome(exception: BaseException) -> str:
    """The outcome a failed download is recorded with."""
    if isinstance(exception, CancelledError):
        # Scrapy cancels a download past DOWNLOAD_MAXSIZE: with a message when Content-Length announced
        # it, without one when a streamed body crossed the limit. Timeouts arrive as TimeoutError.
        return "too_large"
    if isinstance(exception, (TimeoutError, TwistedTimeoutError)):
        return "timeout"
    return "network_error"


class CaptureMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def store(self) -> RawStore:
        return RawStore.for_crawler(self.crawler)

    def process_response(self, request, response: Response, spider):
        if REPLAYED in request.meta:  # answered from the raw store by crawler.resume: captured already
            return response
        store = self.store
        fetched_at = utc_now()
        body = response.body
        sha256 = hashlib.sha256(body).hexdigest() if body else None
        kind = media_type(body, request.url) if body else None
        outcome = request.meta.get("outcome", "ok")
        exchange = Exchange(
            url=response.url, method=request.method, request_headers=_headers(request.headers),
            request_body=request.body or b"", status=response.status, reason=_reason(response.status),
            response_headers=_headers(response.headers), body=body, fetched_at=fetched_at,
        )
        first = store.index.first_capture_of(sha256) if sha256 else None
        revisit = RevisitOf(first["url"], _parse(first["fetched_at"])) if first else None
        if response.status == 304 and VALIDATED_BY in request.meta:
            revisit = self._confirmed(store, request.meta[VALIDATED_BY])
        position = store.warc.write(exchange, revisit)
        role = request.meta.get("role")
        path = None
        if outcome == "ok" and sha256 and role in STORED_ROLES:
            path = store.files.put(sha256, extension_for(kind), body)
        location = response.headers.get("Location")
        final_url = canonical_url(urljoin(response.url, location.decode("latin-1"))) if location else response.url
        capture_id = store.index.add_capture(
            url=response.url, final_url=final_url, method=request.method, status=response.status,
            fetched_at=iso(fetched_at), sha256=sha256, media_type=kind, size=len(body),
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            warc_file=position.file, warc_offset=position.offset, warc_record_id=position.record_id,
            portal=request.meta.get("portal"), referrer=request.meta.get("referrer"), role=role,
            outcome=outcome, reason=request.meta.get("outcome_reason") or None, codec=request.meta.get("codec"),
            version=store.index.version_of(response.url, sha256), revisit_of=first["id"] if first else None, path=path,
        )
        request.meta["capture_id"] = capture_id
        return response

    @staticmethod
    def _confirmed(store: RawStore, capture_id: int) -> RevisitOf | None:
        """The capture a 304 confirms (the one whose validators were sent), as a server-not-modified revisit."""
        row = store.index.db.execute(
            "SELECT url, fetched_at, warc_record_id FROM captures WHERE id = ?", (capture_id,)
        ).fetchone()
        if row is None:
            return None
        return RevisitOf(row["url"], _parse(row["fetched_at"]), row["warc_record_id"], not_modified=True)

    def process_exception(self, request, exception, spider):
        if isinstance(exception, IgnoreRequest) or REPLAYED in request.meta:
            return None
        outcome = failure_outcome(exception)
        store = self.store
        request.meta["capture_id"] = store.index.add_capture(
            url=request.url, method=request.method, fetched_at=iso(utc_now()), portal=request.meta.get("portal"),
            referrer=request.meta.get("referrer"), role=request.meta.get("role"), outcome=outcome,
            reason=f"{type(exception).__name__}: {exception}"[:500],
        )
        if outcome == "too_large":
            store.index.add_event("download_abandoned", request.url, request.meta.get("portal"),
                                  f"larger than DOWNLOAD_MAXSIZE ({self.maxsize} bytes)")
        return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
