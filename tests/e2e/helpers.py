"""Running the `govreports` command as a user does (a separate process: Scrapy's reactor starts once per
process, and the fault tests kill it), serving an archive, and reading it back through Datasette's JSON API."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOVREPORTS = [sys.executable, "-m", "govreports"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def govreports(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run `govreports ARGS` to the end; stdout and stderr captured as text."""
    return subprocess.run([*GOVREPORTS, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=child_env(), **kwargs)


def start_govreports(*args: str) -> subprocess.Popen:
    """Start `govreports ARGS` in the background, its output discarded (a server logging every request into
    a pipe nobody reads would block once the pipe is full)."""
    return subprocess.Popen([*GOVREPORTS, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT, env=child_env())


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def wait_for_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def served(db: Path, files: Path) -> Iterator[str]:
    """`govreports serve` on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    process = start_govreports("serve", str(db), "--port", str(port), "--files", str(files))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/-/versions.json")
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=20)


def get_json(base: str, path: str, **params: str) -> list | dict:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{base}{path}{'?' + query if query else ''}", timeout=30) as response:
        return json.load(response)


def sql(base: str, db: str, query: str) -> list[dict]:
    return get_json(base, f"/{db}.json", sql=query, _shape="array")


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cell_key(cell: dict) -> tuple:
    return cell["table"], cell["row"], cell["col"]


# The archive's content, compared between runs. Left out: columns that say when or from which directory
# something happened (fetch and publication times, absolute paths), and `captures`, which honestly keeps
# every fetch — an interrupted crawl that is run again has fetched some pages twice.
VOLATILE_COLUMNS = {"fetched_at", "published_at", "file", "source_path", "archived", "warc_file", "warc_offset",
                    "warc_record_id", "loaded_at"}
COMPARED_TABLES = ("reports", "cells", "checks", "sections", "bodies", "labels", "report_documents",
                   "t2021_art20", "t2021_applications", "t2021_review_litigation")


def archive_contents(db: Path) -> dict[str, list[tuple]]:
    """Every compared table's rows (volatile columns dropped), sorted."""
    conn = sqlite3.connect(db)
    try:
        contents = {}
        for table in COMPARED_TABLES:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')
                       if row[1] not in VOLATILE_COLUMNS]
            quoted = ", ".join(f'"{column}"' for column in columns)
            contents[table] = sorted(conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall(), key=repr)
        contents["load_issues"] = sorted(conn.execute("SELECT line, code, message FROM load_issues").fetchall())
        return contents
    finally:
        conn.close()
