"""Portal and host health (crawler.health): a portal that yields no report is an alert in the run report;
the ledger persists across runs, and a host failing run after run is slowed, then skipped, then probed."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess

import pytest

from tests.crawler.test_resume import GOVREPORTS
from tests.portal.server import serve_portal
from tests.portal.site import Page, page

QUICK = ["--set", "AUTOTHROTTLE_ENABLED=0", "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=5"]


def crawl(url: str, out, *settings: str) -> tuple[dict, str]:
    result = subprocess.run([GOVREPORTS, "crawl", "--url", url, "--out", str(out), *QUICK, *settings],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), result.stderr


def test_a_portal_that_yields_no_report_raises_an_alert(tmp_path):
    site = {
        "/robots.txt": Page(b"User-agent: *\nDisallow:\n", "text/plain"),
        "/": page("某某县人民政府", '<a href="/news/">新闻中心</a> <a href="/zwgk/">政务公开</a>'),
        "/news/": page("新闻中心", "<p>今日要闻</p>"),
        "/zwgk/": page("政务公开", '<a href="/zwgk/zn.html">政府信息公开指南</a>'),
        "/zwgk/zn.html": page("政府信息公开指南", "<p>指南</p>"),
    }
    with serve_portal(pages=site) as portal:
        summary, log = crawl(f"{portal.base_url}/", tmp_path)
    assert summary["reports"] == 0
    [alert] = summary["run"]["alerts"]
    assert alert["portal"] == "127.0.0.1" and alert["alert"].startswith("no report found")
    assert "ALERT 127.0.0.1: no report found" in log
    [entry] = summary["run"]["portals"]
    assert entry["pages"] >= 1 and entry["reports"] == 0 and entry["errors"] == 0
    db = sqlite3.connect(tmp_path / "captures.db")
    assert db.execute("SELECT alert FROM portal_health WHERE run_id = 1").fetchone()[0] == alert["alert"]


def test_a_portal_with_reports_raises_no_alert_and_its_ledger_counts_them(tmp_path):
    with serve_portal(huge_size=200_000) as portal:
        summary, _ = crawl(f"{portal.base_url}/", tmp_path)
    assert summary["run"]["alerts"] == [] and summary["run"]["mode"] == "first"
    [entry] = summary["run"]["portals"]
    assert entry["reports"] == summary["reports"] == 10
    assert entry["attachments"] >= 6 and entry["blocks"] == 4 and entry["errors"] >= 2


@pytest.fixture(scope="module")
def dead_host_runs(tmp_path_factory):
    """Four runs against a port nobody listens on: failing, slowed, skipped, probed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path_factory.mktemp("dead-host")
    settings = ["--set", "HEALTH_SKIP_AFTER=2", "--set", "HEALTH_PROBE_EVERY=2", "--set", "HEALTH_SLOW_DELAY=0.5"]
    runs = [crawl(f"http://127.0.0.1:{port}/", out, *settings) for _ in range(4)]
    db = sqlite3.connect(out / "captures.db")
    db.row_factory = sqlite3.Row
    return runs, db


def _events(db, kind: str) -> list[int]:
    return [row["run_id"] for row in db.execute("SELECT run_id FROM events WHERE kind = ? ORDER BY id", (kind,))]


def test_a_failing_host_is_alerted_then_slowed_then_skipped_then_probed(dead_host_runs):
    runs, db = dead_host_runs
    first, _ = runs[0]
    assert "no page could be fetched" in first["run"]["alerts"][0]["alert"]
    assert first["run"]["hosts"] == [{"host": "127.0.0.1", "state": "slowed", "failing_runs": 1, "skipped_runs": 0}]
    # Run 2 slows the host (a Scrapy download slot: one request at a time, the delay given)...
    second, _ = runs[1]
    slowed = json.loads(db.execute("SELECT data FROM events WHERE kind = 'host_slowed' AND run_id = 2").fetchone()[0])
    assert slowed["slot"] == {"delay": 0.5, "concurrency": 1}
    assert second["run"]["hosts"][0]["state"] == "skipped" and second["run"]["hosts"][0]["failing_runs"] == 2
    # ...run 3 skips it without a single request, run 4 probes it again.
    assert db.execute("SELECT COUNT(*) FROM captures WHERE run_id = 3").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM captures WHERE run_id = 4").fetchone()[0] > 0
    assert _events(db, "host_slowed") == [2, 4] and _events(db, "host_skipped") == [3]
    probe = json.loads(db.execute("SELECT data FROM events WHERE kind = 'host_slowed' AND run_id = 4").fetchone()[0])
    assert probe["probe"] is True and probe["delay"] == 1.0


def test_the_ledger_persists_across_runs(dead_host_runs):
    _, db = dead_host_runs
    rows = db.execute("SELECT run_id, reports, errors, alert FROM portal_health ORDER BY run_id").fetchall()
    assert [row["run_id"] for row in rows] == [1, 2, 3, 4]
    assert all(row["reports"] == 0 and row["alert"] for row in rows)
    assert [row["errors"] > 0 for row in rows] == [True, True, False, True]
