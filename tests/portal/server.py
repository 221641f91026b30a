"""Serve the mock portal on 127.0.0.1 (a free port) from a thread: static pages from site.py plus the
dynamic parts — Hanweb's dataproxy.jsp (POST only), the endless calendar, a huge attachment streamed
in chunks without Content-Length. Every request is counted in `hits` for the tests."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from govreports.demo.server import serve_in_thread
from tests.portal.site import Page, build_site, calendar_page, hanweb_window

_CALENDAR = re.compile(r"^/zwgk/zfxxgknb/rl/(\d{4}-\d{2})\.html$")
HUGE_PATH = "/files/huge-2017.pdf"
FLAKY_PATHS = frozenset({"/zwgk/zfxxgknb/202301/P020230120.docx"})  # 503 on the first request


class Portal:
    def __init__(self, pages: dict[str, Page], huge_size: int):
        self.pages = pages
        self.huge_size = huge_size
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()  # 304s sent for conditional requests, by path
        self.posts: list[dict[str, list[str]]] = []
        self.user_agents: set[str] = set()
        self.base_url = ""


def _handler(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # the test output stays quiet
            pass

        def _unchanged(self, page: Page) -> bool:
            """A conditional GET for a page that declares validators (ETag / Last-Modified) and matches them."""
            etag, modified = page.headers.get("ETag"), page.headers.get("Last-Modified")
            return bool(etag and self.headers.get("If-None-Match") == etag) or bool(
                modified and not etag and self.headers.get("If-Modified-Since") == modified)

        def _send(self, page: Page) -> None:
            if page.status == 200 and self._unchanged(page):
                portal.not_modified[urlsplit(self.path).path] += 1
                page = Page(b"", page.content_type, 304, page.headers)
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            if page.status != 304:
                self.send_header("Content-Length", str(len(page.body)))
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page.body)

        def _stream_huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"%PDF-1.4\n" + b"0" * 65527
            sent = 0
            try:
                while sent < portal.huge_size:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self):
            parts = urlsplit(self.path)
            portal.hits[parts.path] += 1
            portal.user_agents.add(self.headers.get("User-Agent", ""))
            if parts.path == HUGE_PATH:
                return self._stream_huge()
            calendar = _CALENDAR.match(parts.path)
            if calendar:
                return self._send(calendar_page(calendar.group(1)))
            if parts.path in FLAKY_PATHS and portal.hits[parts.path] == 1:
                return self._send(Page(b"<html><body>Service Unavailable</body></html>", status=503))
            if parts.query and f"{parts.path}?{parts.query}" in portal.pages:  # pages that differ by query
                return self._send(portal.pages[f"{parts.path}?{parts.query}"])
            path = parts.path if parts.path in portal.pages else parts.path.rstrip("/") + "/"
            page = portal.pages.get(path)
            if page is None or parts.path == "/module/web/jpage/dataproxy.jsp":
                return self._send(Page(b"<html><body>404 Not Found</body></html>", status=404))
            return self._send(page)

        def do_POST(self):
            parts = urlsplit(self.path)
            portal.hits[parts.path] += 1
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            if parts.path != "/module/web/jpage/dataproxy.jsp" or form.get("columnid") != ["123"]:
                return self._send(Page(b"<html><body>404</body></html>", status=404))
            portal.posts.append(form)
            query = parse_qs(parts.query)
            return self._send(hanweb_window(int(query["startrecord"][0]), int(query["endrecord"][0])))

    return Handler


@contextmanager
def serve_portal(huge_size: int = 3 * 1024 * 1024, pages: dict[str, Page] | None = None) -> Iterator[Portal]:
    """Run the portal until the block ends; `portal.base_url` is where it listens."""
    portal = Portal(pages if pages is not None else build_site(), huge_size)
    with serve_in_thread(_handler(portal)) as base_url:
        portal.base_url = base_url
        yield portal
