"""Crawl benchmark: our spider against a bare Scrapy spider on the same generated loopback portal.

Generates a TRS-style portal (a `createPageHTML` column of listing pages, 20 report pages each, every
tenth report with a small PDF attachment) of at least --pages pages, serves it from a separate process
on 127.0.0.1, and prints, in one run:

* our spider (discovery, classification, encoding, WARC + file store + capture index): pages/second;
* a bare Scrapy spider fetching exactly the URLs ours fetched (no parsing, no storage): pages/second;
* the ratio (target: ours >= 0.7 of bare) and both peak memories (Scrapy's memusage/max);
* with --rounds N the two crawls alternate N times and each keeps its best round, so that load from
  other processes on a shared machine does not decide the ratio;
* with --defaults, the time our default settings (AutoThrottle, 2 per host) take for a ~150-request
  portal (target: under 3 minutes).

Both crawls use the same concurrency (--concurrency, AutoThrottle off) so the ratio measures our
per-page overhead, not politeness. Run from the repository root:

    .venv/bin/python bench/crawl.py [--pages 5000] [--concurrency 16] [--rounds 2] [--defaults]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_LISTING = 20
COLUMN = "/zwgk/zfxxgknb/"


def tiny_pdf(text: str) -> bytes:
    from tests.portal.documents import tiny_pdf as render

    return render(text)


def build_pages(total: int) -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type) for a portal of at least `total` pages."""
    listings = max(1, -(-total // (PER_LISTING + 1)))
    pages: dict[str, tuple[bytes, str]] = {"/robots.txt": (b"User-agent: *\nDisallow: /private/\n", "text/plain")}
    number = 0
    for index in range(listings):
        items = []
        for _ in range(PER_LISTING):
            number += 1
            title = f"某某单位{number}的{2000 + number % 24}年政府信息公开工作年度报告"
            path = f"{COLUMN}2024{number % 12 + 1:02d}/t2024010{number % 9 + 1}_{number}.html"
            attachment = f'<p><a href="{path[:-5]}.pdf">附件</a></p>' if number % 10 == 0 else ""
            if attachment:
                pages[f"{path[:-5]}.pdf"] = (tiny_pdf(f"report {number}"), "application/pdf")
            body = ("<p>一、总体情况。本机关认真贯彻落实《中华人民共和国政府信息公开条例》。</p>" * 20) + attachment
            pages[path] = (_html(title, f'<h1>{html.escape(title)}</h1><div class="TRS_Editor">{body}</div>'),
                           "text/html; charset=utf-8")
            items.append(f'<li><a href="{path}">{html.escape(title)}</a><span>2024-01-01</span></li>')
        name = "index.html" if index == 0 else f"index_{index}.html"
        script = f'<script>createPageHTML({listings}, {index}, "index", "html");</script>'
        listing = _html("政府信息公开年报", f"<ul>{''.join(items)}</ul>{script}")
        pages[COLUMN + name] = (listing, "text/html; charset=utf-8")
    pages[COLUMN] = pages[COLUMN + "index.html"]
    return pages


def _html(title: str, inner: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div>{inner}<div class="footer">版权所有</div></body></html>'
            ).encode()


def serve(total: int) -> None:
    """Serve the generated portal until killed; print the port on stdout."""
    pages = build_pages(total)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def do_GET(self):
            body, content_type = pages.get(self.path.split("?")[0], (b"not found", "text/plain"))
            self.send_response(200 if self.path.split("?")[0] in pages else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def bare(urls_file: str, concurrency: int) -> None:
    """A bare Scrapy spider: fetch the URLs, nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(urls_file).read_text().split()

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response):
            return None

    process = CrawlerProcess({
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
    })
    process.crawl(BareSpider)
    process.start()


def _memusage(log: str) -> int:
    match = re.search(r"'memusage/max': (\d+)", log)
    return int(match.group(1)) if match else 0


def _timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return elapsed, result.stderr


def ours(base: str, out: Path, settings: list[str]) -> tuple[float, str]:
    return _timed([sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"url={base}{COLUMN}",
                   "-s", f"OUT_DIR={out}", "-s", "LOG_LEVEL=INFO", *settings])


def _server(total: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(total)], stdout=subprocess.PIPE, text=True)
    port = process.stdout.readline().strip()
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="alternate the crawls this many times, keep the best")
    parser.add_argument("--defaults", action="store_true", help="also time the default settings on ~150 requests")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.bare:
        return bare(args.bare, args.concurrency)

    fast = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"CONCURRENT_REQUESTS={args.concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}"]
    server, base = _server(args.pages)
    try:
        with tempfile.TemporaryDirectory() as work:
            ours_runs, bare_runs = [], []
            for round_number in range(max(1, args.rounds)):
                out = Path(work) / f"store-{round_number}"
                ours_runs.append(ours(base, out, fast))
                db = sqlite3.connect(out / "captures.db")
                urls = [row[0] for row in db.execute("SELECT url FROM captures WHERE status IS NOT NULL ORDER BY id")]
                reports = len((out / "reports.jsonl").read_text(encoding="utf-8").splitlines())
                urls_file = Path(work) / "urls.txt"
                urls_file.write_text("\n".join(urls))
                bare_runs.append(_timed([sys.executable, __file__, "--bare", str(urls_file),
                                         "--concurrency", str(args.concurrency)]))
            ours_seconds, ours_log = min(ours_runs)
            bare_seconds, bare_log = min(bare_runs)
            ours_rate, bare_rate = len(urls) / ours_seconds, len(urls) / bare_seconds
            figures = {
                "pages": len(urls), "reports_found": reports,
                "ours_pages_per_second": round(ours_rate, 1), "bare_pages_per_second": round(bare_rate, 1),
                "ratio_ours_to_bare": round(ours_rate / bare_rate, 2),
                "ours_peak_memory_mb": round(_memusage(ours_log) / 2**20, 1),
                "bare_peak_memory_mb": round(_memusage(bare_log) / 2**20, 1),
                "rounds": max(1, args.rounds),
                "ours_seconds_each_round": [round(seconds, 1) for seconds, _ in ours_runs],
                "bare_seconds_each_round": [round(seconds, 1) for seconds, _ in bare_runs],
                "seconds_include_process_start": True,
            }
    finally:
        server.terminate()
        server.wait()
    if args.defaults:
        server, base = _server(150)
        try:
            with tempfile.TemporaryDirectory() as work:
                seconds, _ = ours(base, Path(work) / "store", [])
                db = sqlite3.connect(Path(work) / "store" / "captures.db")
                figures["defaults_requests"] = db.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
                figures["defaults_seconds"] = round(seconds, 1)
        finally:
            server.terminate()
            server.wait()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
