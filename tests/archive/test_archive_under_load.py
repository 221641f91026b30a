"""The public instance under hostile load: arbitrary SQL is gated (one at a time, a lower time limit, 429 for the
rest) so that an endless query neither blocks table pages and canned queries nor runs past its limit.

A real server (uvicorn) on a loopback socket bound to port 0, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from archive.metadata import ARBITRARY_SQL_TIME_LIMIT_MS, SETTINGS
from archive.publication import make_datasette
from archive.sql_gate import is_arbitrary_sql, with_time_limit

ENDLESS_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def server(archive_db: Path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = make_datasette(archive_db).app()
    instance = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started
    yield base, archive_db.stem
    instance.should_exit = True
    thread.join(timeout=10)
    sock.close()


def timed_get(url: str, **params) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(url, params=params, timeout=30)
    return response, time.monotonic() - started


def test_only_the_database_page_with_sql_is_gated():
    def scope(path: str, query: bytes) -> dict:
        return {"type": "http", "path": path, "query_string": query}

    assert is_arbitrary_sql(scope("/archive", b"sql=select+1"))
    assert is_arbitrary_sql(scope("/archive.json", b"sql=select+1&_shape=array"))
    assert not is_arbitrary_sql(scope("/archive", b""))
    assert not is_arbitrary_sql(scope("/archive/search", b"q=%E5%A4%8D%E8%AE%AE"))
    assert not is_arbitrary_sql(scope("/archive/reports", b"_search=x&sql=select+1"))
    assert not is_arbitrary_sql(scope("/-/versions.json", b"sql=select+1"))


def test_arbitrary_sql_never_gets_more_time_than_its_limit():
    assert with_time_limit(b"sql=select+1", 1000) == b"sql=select+1&_timelimit=1000"
    assert with_time_limit(b"sql=select+1&_timelimit=50", 1000) == b"sql=select+1&_timelimit=50"
    assert with_time_limit(b"sql=select+1&_timelimit=999999", 1000) == b"sql=select+1&_timelimit=1000"


def test_an_endless_query_is_stopped_and_does_not_block_tables_or_canned_queries(server):
    base, db = server
    assert ARBITRARY_SQL_TIME_LIMIT_MS < SETTINGS["sql_time_limit_ms"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        endless = pool.submit(timed_get, f"{base}/{db}.json", sql=ENDLESS_SQL)
        time.sleep(0.2)  # let it start
        second, _ = timed_get(f"{base}/{db}.json", sql=ENDLESS_SQL)
        table, table_seconds = timed_get(f"{base}/{db}/reports.json", _col="title", _size=5)
        canned, canned_seconds = timed_get(f"{base}/{db}/search.json", q="复议")
        endless_still_running = not endless.done()
        stopped, stopped_seconds = endless.result(timeout=30)
    assert second.status_code == 429 and int(second.headers["retry-after"]) > 0
    assert table.status_code == 200 and len(table.json()["rows"]) == 5
    assert canned.status_code == 200 and canned.json()["rows"]
    assert endless_still_running, "the table and canned requests were answered while the endless query ran"
    assert table_seconds < ARBITRARY_SQL_TIME_LIMIT_MS / 1000 and canned_seconds < ARBITRARY_SQL_TIME_LIMIT_MS / 1000
    assert stopped.status_code == 400 and "interrupted" in stopped.text.lower()
    assert stopped_seconds < SETTINGS["sql_time_limit_ms"] / 1000
    cooling, _ = timed_get(f"{base}/{db}.json", sql="select count(*) as n from reports")
    assert cooling.status_code == 429, "after a slow query the gate stays closed as long as it ran"
    time.sleep(stopped_seconds + 0.2)
    after, _ = timed_get(f"{base}/{db}.json", sql="select count(*) as n from reports")
    assert after.status_code == 200 and after.json()["rows"][0][0] > 0
    quick, _ = timed_get(f"{base}/{db}.json", sql="select 1 as one")
    assert quick.status_code == 200, "a quick query does not close the gate"
