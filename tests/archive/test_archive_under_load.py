"""The public instance under hostile load: arbitrary SQL is gated (one at a time, a lower time limit, 429 for the
rest) so that an endless query neither blocks table pages and canned queries nor runs past its limit; and
`govreports serve` runs several worker processes, with arbitrary SQL in a low-priority process of its own.

The gate is tested on one Datasette in a thread of the test process (uvicorn on a socket bound to port 0); the
multi-process server is the real `govreports serve --port 0` in its own session, its processes read from /proc
and all of them killed at the end whatever happened."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from archive.metadata import ARBITRARY_SQL_TIME_LIMIT_MS, SETTINGS
from archive.publication import make_datasette
from archive.serving import SQL_WORKER_NICENESS
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
    response = httpx.get(url, params=params or None, timeout=30)
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
    assert is_arbitrary_sql(scope("/archive/reports", b"_where=id+in+(select+1)"))
    assert is_arbitrary_sql(scope("/archive/reports.json", b"year=2023&_where=1"))
    assert not is_arbitrary_sql(scope("/archive/reports", b"_where="))


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


# The multi-process server: `govreports serve` as a user runs it.

ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None once the process is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := proc_stat(int(entry.name))) and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0


def niceness(pid: int) -> int | None:
    fields = proc_stat(pid)
    return int(fields[16]) if fields else None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def worker_processes(parent: int) -> tuple[list[int], list[int]]:
    """(public workers, SQL workers) among the supervisor's children: spawned processes, told apart by priority."""
    spawned = [pid for pid in children(parent) if "spawn_main" in command_line(pid)]
    public = [pid for pid in spawned if niceness(pid) == 0]
    return public, [pid for pid in spawned if niceness(pid) == SQL_WORKER_NICENESS]


def wait_until(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Served:
    """`govreports serve DB --port 0 --workers N` in its own session; the URL is read from what it prints."""

    def __init__(self, db: Path, log: Path, workers: int) -> None:
        self.log, self.workers = log, workers
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "govreports", "serve", str(db), "--port", "0", "--workers", str(workers)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        self.seen: set[int] = set()
        try:
            self.wait_until_serving()
        except BaseException:
            self.stop()  # a server that never came up is not left running either
            raise

    def wait_until_serving(self) -> None:
        self.base = self.wait_for_url()
        public, sql = [], []

        def started() -> bool:
            nonlocal public, sql
            public, sql = worker_processes(self.process.pid)
            self.seen.update(public + sql + children(self.process.pid))
            return len(sql) == 1 and len(public) == self.workers

        assert wait_until(started, 60), (public, sql, self.output())
        self.public, self.sql = public, sql[0]
        assert wait_until(self.answers, 60), self.output()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_for_url(self) -> str:
        found: list[str] = []

        def printed() -> bool:
            found.extend(re.findall(r"http://127\.0\.0\.1:\d+", self.output())[:1])
            return bool(found) or self.process.poll() is not None

        assert wait_until(printed, 30) and found, self.output()
        return found[0]

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.base}/-/versions.json", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def everything(self) -> set[int]:
        return {self.process.pid, *self.seen, *children(self.process.pid)}

    def stop(self) -> None:
        """SIGTERM to the supervisor, then SIGKILL to anything of the session still alive (a failed test too)."""
        pids = self.everything()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for pid in pids:
            if proc_stat(pid) is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # its session's process group: anything not seen above
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def served(archive_db: Path, tmp_path: Path):
    instance = Served(archive_db, tmp_path / "serve.log", workers=2)
    try:
        yield instance
    finally:
        instance.stop()


def report_paths(db: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM reports ORDER BY id")]
    return [f"/{db.stem}/reports/{report_id}" for report_id in ids] + [f"/{db.stem}/reports?_search=复议"]


def test_several_worker_processes_serve_and_arbitrary_sql_has_a_low_priority_one(served, archive_db):
    assert len(served.public) == 2 and niceness(served.sql) == SQL_WORKER_NICENESS
    before = {pid: cpu_seconds(pid) for pid in served.public}
    paths = report_paths(archive_db)

    def browse(worker: int) -> None:
        with httpx.Client(base_url=served.base, timeout=30) as client:
            for index in range(30):
                response = client.get(paths[(worker + index) % len(paths)])
                assert response.status_code == 200, response.text[:300]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(browse, range(8)))
    worked = {pid: cpu_seconds(pid) - before[pid] for pid in served.public}
    assert all(seconds > 0.05 for seconds in worked.values()), f"CPU seconds per public worker: {worked}"


def test_an_endless_query_runs_in_the_sql_worker_and_pages_stay_answered(served, archive_db):
    base, db = served.base, archive_db.stem
    urls = [base + path for path in report_paths(archive_db)[:5]] + [f"{base}/{db}/search.json?q=复议"]
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        list(pool.map(timed_get, urls * 2))  # every worker's first pages (templates compiled) before the clock runs
    sql_before = cpu_seconds(served.sql)
    with ThreadPoolExecutor(max_workers=len(urls) + 2) as pool:
        endless = pool.submit(timed_get, f"{base}/{db}.json", sql=ENDLESS_SQL)
        assert wait_until(lambda: cpu_seconds(served.sql) > sql_before + 0.02, 10), "the SQL worker never ran it"
        second = pool.submit(timed_get, f"{base}/{db}.json", sql=ENDLESS_SQL)
        pages = list(pool.map(timed_get, urls))
        stopped, stopped_seconds = endless.result(timeout=60)
        refused, _ = second.result(timeout=60)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0, "the gate moved with the SQL"
    assert all(page.status_code == 200 for page, _ in pages) and pages[-1][0].json()["rows"]
    # Not queued behind it: the pages were sent while it ran and the first came back before it did (on a quiet
    # machine all of them do; the machine is shared, so the bound on each is seconds, not its limit).
    assert min(seconds for _, seconds in pages) < stopped_seconds, \
        f"pages {[round(t, 2) for _, t in pages]} s; the endless query stopped after {stopped_seconds:.2f} s"
    assert max(seconds for _, seconds in pages) < 5
    assert stopped.status_code == 400 and stopped.json()["title"] == "SQL Interrupted"
    assert "took too long" in stopped.json()["error"]
    assert stopped_seconds < SETTINGS["sql_time_limit_ms"] / 1000, "stopped by arbitrary SQL's own, lower limit"
    assert stopped.headers.get_list("date") == [stopped.headers["date"]], "one Date header, not the SQL worker's too"


def arbitrary_sql(url: str, **params: str) -> httpx.Response:
    """The answer to arbitrary SQL, waiting out the gate's 429 (its cool-down after a slow query) as told."""
    for _ in range(10):
        response = httpx.get(url, params=params, timeout=30)
        if response.status_code != 429:
            return response
        time.sleep(int(response.headers["retry-after"]))
    return response


def test_arbitrary_sql_answers_as_before_through_the_sql_worker(served, archive_db):
    base, db = served.base, archive_db.stem
    rows = arbitrary_sql(f"{base}/{db}.json", sql="select count(*) as n from reports", _shape="array")
    assert rows.status_code == 200 and rows.json()[0]["n"] > 0
    assert rows.headers["x-content-type-options"] == "nosniff"
    page = arbitrary_sql(f"{base}/{db}", sql="select title from reports limit 3")
    assert page.status_code == 200 and "<table" in page.text and "年度报告" in page.text
    csv = arbitrary_sql(f"{base}/{db}.csv", sql="select id from reports order by id")
    assert csv.status_code == 200 and csv.text.splitlines()[0] == "id" and len(csv.text.splitlines()) > 2


def test_an_endless_where_clause_on_a_table_page_is_arbitrary_sql_too(served, archive_db):
    where = f"id in ({ENDLESS_SQL})"
    stopped, seconds = timed_get(f"{served.base}/{archive_db.stem}/reports.json", _where=where)
    assert stopped.status_code == 400 and stopped.json()["title"] == "SQL Interrupted"
    assert seconds < SETTINGS["sql_time_limit_ms"] / 1000, "stopped by arbitrary SQL's own, lower limit"
    refused, _ = timed_get(f"{served.base}/{archive_db.stem}/reports.json", _where=where)
    assert refused.status_code == 429, "the gate's cool-down after a slow query covers _where too"
    rows = arbitrary_sql(f"{served.base}/{archive_db.stem}/reports.json", _where="year > 0", _col="title")
    assert rows.status_code == 200 and rows.json()["rows"]


def test_a_dead_sql_worker_is_replaced_and_a_query_sent_meanwhile_waits_for_it(served, archive_db):
    base, db = served.base, archive_db.stem
    os.kill(served.sql, signal.SIGKILL)
    assert wait_until(lambda: proc_stat(served.sql) is None, 10)
    replaced: list[int] = []

    def new_sql_worker() -> bool:
        replaced[:] = [pid for pid in worker_processes(served.process.pid)[1] if pid != served.sql]
        served.seen.update(replaced)
        return bool(replaced)

    # The supervisor keeps the SQL worker's socket open: the connection waits in its backlog for the new worker.
    meanwhile = httpx.get(f"{base}/{db}.json", params={"sql": "select 1 as one"}, timeout=60)
    assert meanwhile.status_code == 200, meanwhile.text
    assert wait_until(new_sql_worker, 30), served.output()
    assert niceness(replaced[0]) == SQL_WORKER_NICENESS

    def answers_again() -> bool:
        return arbitrary_sql(f"{base}/{db}.json", sql="select 1 as one").status_code == 200

    assert wait_until(answers_again, 60, step=0.5), served.output()
    assert httpx.get(f"{base}/{db}/reports.json", timeout=30).status_code == 200


def asgi_call(app, path: str, query: bytes) -> tuple[int, dict, bytes]:
    """One GET through an ASGI app in this process: status, headers, body."""
    import asyncio

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(event):
        sent.append(event)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": [(b"host", b"archive.example")]}
    asyncio.run(app(scope, receive, send))
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(event.get("body", b"") for event in sent[1:])


def test_arbitrary_sql_gets_a_clear_503_when_no_sql_worker_listens():
    from archive.sql_proxy import route_arbitrary_sql

    async def pages(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}"
    app = route_arbitrary_sql(pages, nobody)
    assert asgi_call(app, "/archive/reports", b"sql=select+1") == (200, {}, b"page")
    status, headers, body = asgi_call(app, "/archive.json", b"sql=select+1")
    assert status == 503 and int(headers["retry-after"]) > 0
    assert b"SQL worker is not answering" in body


def test_sigterm_stops_every_process(served):
    processes = served.everything()
    assert len(processes) >= 4  # the supervisor, two public workers, the SQL worker
    served.process.terminate()
    assert served.process.wait(timeout=30) is not None
    assert wait_until(lambda: all(proc_stat(pid) is None for pid in processes), 10), \
        [(pid, command_line(pid)) for pid in processes if proc_stat(pid)]


def test_a_killed_supervisor_leaves_no_worker_behind(served):
    processes = served.everything()
    served.process.kill()
    served.process.wait(timeout=10)
    assert wait_until(lambda: all(proc_stat(pid) is None for pid in processes), 20), \
        [(pid, command_line(pid)) for pid in processes if proc_stat(pid)]


def test_a_port_in_use_is_a_clear_error(archive_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "govreports", "serve", str(archive_db), "--port", str(port)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr
