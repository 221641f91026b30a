"""Re-crawls: `govreports crawl` into an existing raw store fetches only what is new or changed, and
notices what disappeared.

* Conditional requests: a GET for a URL whose last good capture came with an ETag or a Last-Modified
  header is sent with If-None-Match / If-Modified-Since (validators kept in the `validators` table of
  captures.db). A 304 is captured as such (outcome "not_modified", linked to the capture it confirms,
  no payload stored) and the spider is handed the stored copy, read back from the WARC, so that
  listings are still walked and reports still found.
* Servers that ignore validators answer 200 with the same bytes: the capture middleware then writes a
  revisit record and stores nothing (hash comparison); new bytes are a new version.
* Disappeared pages: a URL the archive holds a good copy of that now answers 404/410, a soft 404, or
  (a report page or file) a redirect to the site's home page is recorded as a dated `gone` event; the
  archived copy stays (reports.jsonl keeps pointing at it). A report page redirected to the home page
  is not followed, so the home page is never taken for the report.
* Known reports are revisited even when no listing links them any more (`known_requests`), which is
  how a removed page is noticed at all.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.resume import REPLAYED
from crawler.store.index import iso, utc_now
from crawler.store.raw import RawStore
from crawler.stored import StoredCopyMissing, as_response, stored_exchange

SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, capture_id INTEGER NOT NULL,
    content_capture_id INTEGER NOT NULL, recorded_at TEXT NOT NULL
);
"""
VALIDATED_BY = "_validated_by"  # meta: the capture whose validators were sent
GONE_OUTCOMES = frozenset({"not_found", "soft_404"})
HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/default.html"})


def is_home_redirect(location: str | None) -> bool:
    """Whether a redirect sends the visitor to a site's home page (how rebuilt sites answer for old URLs)."""
    if not location:
        return False
    parts = urlsplit(location)
    return parts.path.lower() in HOME_PATHS and not parts.query


def archived_copy(db: sqlite3.Connection, url: str, before: int | None) -> sqlite3.Row | None:
    """The latest good capture of `url` made before capture `before`."""
    return db.execute(
        "SELECT id, fetched_at, sha256 FROM captures WHERE url = ? AND outcome = 'ok' AND id < ? "
        "ORDER BY id DESC LIMIT 1", (url, before if before is not None else 2**62),
    ).fetchone()


class IncrementalMiddleware:
    """Downloader middleware (between the capture middleware and RedirectMiddleware), see the module."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = RawStore.for_crawler(crawler)
        self.store.index.db.executescript(SCHEMA)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.index.db

    def process_request(self, request, spider):
        request.meta.pop(VALIDATED_BY, None)
        if request.method != "GET" or REPLAYED in request.meta:
            return None
        row = self.db.execute(
            "SELECT etag, last_modified, content_capture_id FROM validators WHERE url = ?", (request.url,)
        ).fetchone()
        if row is None:
            return None
        if row["etag"]:
            request.headers.setdefault("If-None-Match", row["etag"])
        if row["last_modified"]:
            request.headers.setdefault("If-Modified-Since", row["last_modified"])
        request.meta[VALIDATED_BY] = row["content_capture_id"]
        return None

    def process_response(self, request, response: Response, spider):
        outcome = request.meta.get("outcome")
        location = response.headers.get("Location")
        # A report page or file sent to the home page is gone (a listing sent there is followed: the home
        # page is where the column is found again).
        home_redirect = (outcome == "redirect" and request.meta.get("role") in ("detail", "attachment")
                         and is_home_redirect(location.decode("latin-1") if location else None))
        if home_redirect:
            request.meta["dont_redirect"] = True
        if REPLAYED in request.meta:
            return response
        capture_id = request.meta.get("capture_id")
        if response.status == 304 and VALIDATED_BY in request.meta:
            return self._not_modified(request, response, capture_id)
        if outcome == "ok" and response.status == 200 and request.method == "GET" and capture_id is not None:
            self._remember_validators(request.url, response, capture_id)
        if outcome in GONE_OUTCOMES or home_redirect:
            self._gone(request, response, capture_id, outcome)
        return response

    def _remember_validators(self, url: str, response: Response, capture_id: int) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if not etag and not modified:
            self.db.execute("DELETE FROM validators WHERE url = ?", (url,))
            return
        revisit_of = self.db.execute("SELECT revisit_of FROM captures WHERE id = ?", (capture_id,)).fetchone()
        content = revisit_of[0] if revisit_of and revisit_of[0] is not None else capture_id
        self.db.execute(
            "INSERT OR REPLACE INTO validators (url, etag, last_modified, capture_id, content_capture_id, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (url, etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None,
             capture_id, content, iso(utc_now())),
        )

    def _not_modified(self, request, response: Response, capture_id: int | None):
        """A 304: link the capture to the copy it confirms and give the spider that copy."""
        content_id = request.meta[VALIDATED_BY]
        stored = self.db.execute("SELECT sha256, media_type, size, version FROM captures WHERE id = ?",
                                 (content_id,)).fetchone()
        if capture_id is not None and stored is not None:
            self.db.execute(
                "UPDATE captures SET outcome = 'not_modified', reason = ?, revisit_of = ?, sha256 = ?, media_type = ?, "
                "size = ?, version = ? WHERE id = ?",
                (f"HTTP 304: the copy of capture {content_id} is current", content_id, stored["sha256"],
                 stored["media_type"], stored["size"], stored["version"], capture_id),
            )
        self.crawler.stats.inc_value("govreports/not_modified")
        try:
            exchange = stored_exchange(self.store.out_dir, self.db, content_id)
        except StoredCopyMissing:
            # The stored copy is unreadable: forget the validators and fetch the page in full.
            self.db.execute("DELETE FROM validators WHERE url = ?", (request.url,))
            return request.replace(dont_filter=True)
        request.meta["outcome"] = "ok"
        return as_response(exchange, request, status=200)

    def _gone(self, request, response: Response, capture_id: int | None, outcome: str | None) -> None:
        archived = archived_copy(self.db, request.url, capture_id)
        if archived is None:
            return
        location = response.headers.get("Location", b"").decode("latin-1") or None
        how = "redirect to the home page" if outcome == "redirect" else f"{outcome} (HTTP {response.status})"
        self.store.index.add_event(
            "gone", request.url, request.meta.get("portal"),
            f"{how}; the archived copy (capture {archived['id']} of {archived['fetched_at']}) is kept",
            status=response.status, outcome=outcome, location=location, capture_id=capture_id,
            archived_capture=archived["id"], archived_at=archived["fetched_at"], sha256=archived["sha256"],
        )
        self.crawler.stats.inc_value("govreports/gone")


def known_requests(spider, index_path) -> list[scrapy.Request]:
    """Requests for every report page and report file the store already knows, so that a re-crawl
    revisits them even when no listing links them any more. They carry what the listing had said."""
    try:
        db = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    db.row_factory = sqlite3.Row
    try:
        reports = db.execute("SELECT * FROM reports ORDER BY page_url").fetchall()
        files = db.execute("SELECT page_url, url FROM report_files ORDER BY page_url, url").fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    requests = []
    portals = {row["page_url"]: row["portal"] for row in reports}
    for row in reports:
        if row["portal"] not in spider.portals or row["direct"]:
            continue
        meta = {"portal": row["portal"], "referrer": row["listing_url"], "listing_title": row["listing_title"],
                "listing_date": row["published"], "listing_url": row["listing_url"], "role": "detail"}
        requests.append(scrapy.Request(row["page_url"], callback=spider.parse_detail, errback=spider.download_failed,
                                       meta=meta))
    for row in files:
        portal = portals.get(row["page_url"])
        if portal in spider.portals:
            requests.append(scrapy.Request(
                row["url"], callback=spider.parse_attachment, errback=spider.download_failed,
                meta={"portal": portal, "referrer": row["page_url"], "role": "attachment"},
            ))
    return requests
