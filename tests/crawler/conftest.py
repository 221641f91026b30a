"""Crawl the mock portal once per session (in a subprocess: a Twisted reactor starts only once per
process), with politeness set explicitly for loopback, and hand the tests the portal and the raw store."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.portal.server import Portal, serve_portal

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK_POLITENESS = [
    "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "AUTOTHROTTLE_MAX_DELAY=0.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
]
MAXSIZE = 1024 * 1024
REDIS_SERVER = shutil.which("redis-server")


@dataclass
class Crawl:
    portal: Portal
    out: Path
    log: str

    @property
    def base(self) -> str:
        return self.portal.base_url

    def reports(self) -> list[dict]:
        lines = (self.out / "reports.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.out / "captures.db")
        db.row_factory = sqlite3.Row
        return db

    def path(self, url: str | None) -> str | None:
        return url[len(self.base):] if url else None


def run_crawl(portal: Portal, out: Path, *extra: str) -> str:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "reports", "-a", f"url={portal.base_url}/",
        "-s", f"OUT_DIR={out}", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", "WARC_MAX_SIZE=30000",
        *LOOPBACK_POLITENESS, *extra,
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-5000:]
    return result.stderr


@pytest.fixture(scope="session")
def crawl(tmp_path_factory) -> Crawl:
    out = tmp_path_factory.mktemp("raw-store")
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        log = run_crawl(portal, out)
    return Crawl(portal, out, log)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    assert REDIS_SERVER, "redis-server is not installed (setup.sh installs it)"
    directory = tmp_path_factory.mktemp("redis")
    port = _free_port()
    server = subprocess.Popen([REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=20)
