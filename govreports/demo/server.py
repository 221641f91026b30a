"""Serve the demo portal on 127.0.0.1 from a thread (http.server: the pages are in memory, nothing to install)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from govreports.demo.site import Page

NOT_FOUND = Page("<html><body>404 页面不存在 Not Found</body></html>".encode(), status=404)


class DemoPortal:
    """Where the portal listens and what was asked of it."""

    def __init__(self, pages: dict[str, Page]):
        self.pages = pages
        self.hits: Counter[str] = Counter()
        self.base_url = ""


def _handler(portal: DemoPortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # the demo's own output stays readable
            pass

        def do_GET(self):
            path = urlsplit(self.path).path
            portal.hits[path] += 1
            page = portal.pages.get(path, NOT_FOUND)
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page.body)

        do_HEAD = do_GET

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client hanging up mid-response (a crawler abandoning a file) is expected, not worth a traceback."""


@contextmanager
def serve_in_thread(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 from a daemon thread until the block ends; yields the base URL
    (port 0: a free one). The demo portal and the test suite's mock portal both run on it."""
    server = _QuietServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_demo_portal(pages: dict[str, Page], port: int = 0) -> Iterator[DemoPortal]:
    """Run the portal until the block ends; `portal.base_url` is where it listens (port 0: a free one)."""
    portal = DemoPortal(pages)
    with serve_in_thread(_handler(portal), port) as base_url:
        portal.base_url = base_url
        yield portal
