"""Per-portal health, per run, kept in captures.db, and what it does to later runs.

At the end of every run (`portal_health`, one row per portal and run): pages fetched, reports found,
attachments, errors (network failures, timeouts, HTTP errors, abandoned downloads), blocks (WAF
challenges, login walls), 304s and pages gone. Every government body must publish an annual report,
so a portal that yields none is an **alert** in the run report — with why it was expected (seeds
portal, reports found in earlier runs) and what went wrong (blocks, errors) — never silence.

Hosts (`host_health`): a host where at least HEALTH_FAILING_RATIO of the requests failed or were
blocked is failing for that run. A host failing in consecutive runs is slowed on the next run (one
request at a time, HEALTH_SLOW_DELAY seconds doubled per failing run, as a Scrapy download slot) and,
after HEALTH_SKIP_AFTER failing runs, skipped — except every HEALTH_PROBE_EVERY-th run, when it is
tried again so that a host that recovered is noticed. A run that does not reach a host leaves its
record alone. A resumed run is accounted together with the runs it continues.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy_redis.connection import get_redis_from_settings

from crawler.canonical import host_of
from crawler.items import ReportItem
from crawler.store.index import iso, utc_now
from crawler.store.raw import RawStore

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS portal_health (
    run_id INTEGER NOT NULL, portal TEXT NOT NULL, pages INTEGER, reports INTEGER, attachments INTEGER,
    errors INTEGER, blocks INTEGER, not_modified INTEGER, gone INTEGER, expected TEXT, alert TEXT,
    PRIMARY KEY (run_id, portal)
);
CREATE TABLE IF NOT EXISTS host_health (
    host TEXT PRIMARY KEY, state TEXT NOT NULL, failing_runs INTEGER NOT NULL, skipped_runs INTEGER NOT NULL,
    last_run INTEGER, last_requests INTEGER, last_failures INTEGER, updated_at TEXT
);
"""
PAGE_ROLES = ("home", "hub", "listing", "detail")
ERRORS = ("network_error", "timeout", "http_error", "not_found", "too_large", "empty")
HOST_FAILURES = ("network_error", "timeout", "http_error", "empty")
DEFAULTS = {"HEALTH_FAILING_RATIO": 0.5, "HEALTH_SLOW_DELAY": 5.0, "HEALTH_SKIP_AFTER": 3, "HEALTH_PROBE_EVERY": 3}


def _is_block(outcome: str | None) -> bool:
    return bool(outcome) and (outcome.startswith("blocked_") or outcome == "login_page")


def accounted_runs(db: sqlite3.Connection, run_id: int) -> list[int]:
    """The run and, if it resumed incomplete runs, those too."""
    row = db.execute("SELECT data FROM events WHERE run_id = ? AND kind = 'run_resumed'", (run_id,)).fetchone()
    return [*(json.loads(row[0]).get("resumes", []) if row else []), run_id]


def portal_ledger(db: sqlite3.Connection, run_id: int, portals: dict[str, str],
                  job_reports: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One ledger row per portal (`portals`: name -> why reports are expected there). In a distributed
    crawl a portal's reports may have been found by another worker: `job_reports` counts the whole job's."""
    runs = accounted_runs(db, run_id)
    marks = ",".join("?" for _ in runs)
    counts: dict[str, Counter] = {name: Counter() for name in portals}
    for row in db.execute(f"SELECT portal, role, outcome, status FROM captures WHERE run_id IN ({marks})", runs):
        tally = counts.setdefault(row["portal"], Counter()) if row["portal"] else None
        if tally is None:
            continue
        outcome = row["outcome"]
        tally["pages"] += row["role"] in PAGE_ROLES and row["status"] is not None  # a server answered
        tally["attachments"] += row["role"] == "attachment" and outcome in ("ok", "not_modified")
        tally["errors"] += outcome in ERRORS
        tally["blocks"] += _is_block(outcome)
        tally["not_modified"] += outcome == "not_modified"
    for row in db.execute(f"SELECT portal, COUNT(*) FROM reports WHERE last_run IN ({marks}) GROUP BY portal", runs):
        counts.setdefault(row[0], Counter())["reports"] = row[1]
    for row in db.execute(f"SELECT portal, COUNT(*) FROM events WHERE kind = 'gone' AND run_id IN ({marks}) "
                          "GROUP BY portal", runs):
        counts.setdefault(row[0], Counter())["gone"] = row[1]
    ledger = []
    for portal, tally in sorted(counts.items()):
        expected = portals.get(portal) or _earlier_reports(db, portal, runs[0])
        entry = {"portal": portal, **{key: tally[key] for key in (
            "pages", "reports", "attachments", "errors", "blocks", "not_modified", "gone")}}
        entry["expected"] = expected
        found_elsewhere = (job_reports or {}).get(portal, 0)
        entry["alert"] = _alert(entry) if expected and not found_elsewhere else None
        ledger.append(entry)
    return ledger


def _earlier_reports(db: sqlite3.Connection, portal: str, before_run: int) -> str | None:
    count = db.execute("SELECT COUNT(*) FROM reports WHERE portal = ? AND first_run < ?", (portal, before_run))
    found = count.fetchone()[0]
    return f"{found} reports found in earlier runs" if found else None


def _alert(entry: dict[str, Any]) -> str | None:
    if entry["reports"]:
        return None
    causes = []
    if entry["blocks"]:
        causes.append(f"{entry['blocks']} responses blocked (WAF challenge or login)")
    if entry["errors"]:
        causes.append(f"{entry['errors']} failed requests")
    if not entry["pages"]:
        causes.append("no page could be fetched")
    cause = "; ".join(causes) or "the annual-report column was not found or lists no report"
    return f"no report found ({entry['expected']}): {cause}"


def update_hosts(db: sqlite3.Connection, run_id: int, failing_ratio: float, skip_after: int) -> None:
    """Fold this run's requests per host into `host_health`."""
    runs = accounted_runs(db, run_id)
    marks = ",".join("?" for _ in runs)
    requests: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for url, outcome in db.execute(f"SELECT url, outcome FROM captures WHERE run_id IN ({marks})", runs):
        host = host_of(url)
        requests[host] += 1
        failures[host] += outcome in HOST_FAILURES or _is_block(outcome)
    for host, count in requests.items():
        previous = db.execute("SELECT failing_runs FROM host_health WHERE host = ?", (host,)).fetchone()
        failing = failures[host] / count >= failing_ratio
        failing_runs = (previous[0] if previous else 0) + 1 if failing else 0
        state = "ok" if failing_runs == 0 else "skipped" if failing_runs >= skip_after else "slowed"
        db.execute(
            "INSERT OR REPLACE INTO host_health (host, state, failing_runs, skipped_runs, last_run, last_requests, "
            "last_failures, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            (host, state, failing_runs, run_id, count, failures[host], iso(utc_now())),
        )


def _setting(settings, name: str) -> Any:
    value = settings.get(name)
    return type(DEFAULTS[name])(value) if value is not None else DEFAULTS[name]


class HealthExtension:
    """Applies the host ledger to this run (slots for slowed hosts, the skip list) and writes the
    portal and host ledgers when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.settings = {name: _setting(crawler.settings, name) for name in DEFAULTS}
        self.store = RawStore.for_crawler(crawler)
        self.store.index.db.executescript(SCHEMA)
        self.slowed: dict[str, float] = {}
        self.skipped: set[str] = set()
        self.probed: set[str] = set()
        self._plan_hosts()
        if self.slowed and not crawler.settings.frozen:
            slots = dict(crawler.settings.getdict("DOWNLOAD_SLOTS"))
            for host, delay in self.slowed.items():
                slots[host] = {**slots.get(host, {}), "delay": delay, "concurrency": 1}
            priority = max(crawler.settings.getpriority("DOWNLOAD_SLOTS") or 0, 30)
            crawler.settings.set("DOWNLOAD_SLOTS", slots, priority=priority)
        # engine_started comes after every spider_opened handler, so the run has been opened by then.
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.redis = None
        if crawler.settings.getbool("DISTRIBUTED"):
            self.redis = get_redis_from_settings(crawler.settings)
            self.job_reports_key = f"govreports:{crawler.settings.get('DISTRIBUTED_JOB', 'default')}:reports-by-portal"
            crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    def item_scraped(self, item, spider):
        if isinstance(item, ReportItem) and item.portal:
            self.redis.hincrby(self.job_reports_key, item.portal, 1)

    def job_reports(self) -> dict[str, int] | None:
        if self.redis is None:
            return None
        counts = self.redis.hgetall(self.job_reports_key)
        return {(key.decode() if isinstance(key, bytes) else key): int(value) for key, value in counts.items()}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _plan_hosts(self) -> None:
        db = self.store.index.db
        probe_every = self.settings["HEALTH_PROBE_EVERY"]
        for row in db.execute("SELECT host, state, failing_runs, skipped_runs FROM host_health WHERE state != 'ok'"):
            if row["state"] == "skipped" and row["skipped_runs"] + 1 < probe_every:
                self.skipped.add(row["host"])
                continue
            if row["state"] == "skipped":
                self.probed.add(row["host"])
            self.slowed[row["host"]] = self.settings["HEALTH_SLOW_DELAY"] * 2 ** max(row["failing_runs"] - 1, 0)

    def engine_started(self):
        index = self.store.index
        slots = self.crawler.settings.getdict("DOWNLOAD_SLOTS")  # what the downloader was built with
        for host, delay in sorted(self.slowed.items()):
            index.add_event("host_slowed", None, None, f"{host}: failing in earlier runs, one request every {delay} s",
                            host=host, delay=delay, probe=host in self.probed, slot=slots.get(host))
        for host in sorted(self.skipped):
            index.db.execute("UPDATE host_health SET skipped_runs = skipped_runs + 1 WHERE host = ?", (host,))
            index.add_event("host_skipped", None, None, f"{host}: failing in earlier runs, skipped this run",
                            host=host)
        index.commit()

    def expected_portals(self, spider) -> dict[str, str]:
        """Portals of this run and why reports are expected there."""
        why = "start URL given" if spider.url_args else "seeds portal"
        return {name: f"{why}; every government body publishes annual reports" for name in spider.portals}

    def spider_closed(self, spider, reason):
        store = RawStore.for_crawler(self.crawler)
        if store.closed or store.index.run_id is None:
            return
        db = store.index.db
        ledger = portal_ledger(db, store.index.run_id, self.expected_portals(spider), self.job_reports())
        for entry in ledger:
            db.execute(
                "INSERT OR REPLACE INTO portal_health (run_id, portal, pages, reports, attachments, errors, blocks, "
                "not_modified, gone, expected, alert) VALUES (:run_id, :portal, :pages, :reports, :attachments, "
                ":errors, :blocks, :not_modified, :gone, :expected, :alert)",
                {**entry, "run_id": store.index.run_id},
            )
            if entry["alert"]:
                logger.warning("ALERT %s: %s", entry["portal"], entry["alert"])
        update_hosts(db, store.index.run_id, self.settings["HEALTH_FAILING_RATIO"], self.settings["HEALTH_SKIP_AFTER"])
        store.index.commit()


class HostSkipMiddleware:
    """Downloader middleware: drops the requests to hosts the ledger skips for this run."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider):
        host = host_of(request.url)
        if host in _skipped_hosts(self.crawler):
            self.crawler.stats.inc_value("govreports/host_skipped")
            raise IgnoreRequest(f"{host} is skipped this run (failing in earlier runs)")
        return None


def _skipped_hosts(crawler) -> set[str]:
    for extension in crawler.extensions.middlewares:
        if isinstance(extension, HealthExtension):
            return extension.skipped
    return set()


def run_report(out_dir: Path) -> dict[str, Any]:
    """The last run of a raw store: mode, per-portal ledger, alerts, slowed and skipped hosts."""
    path = Path(out_dir) / "captures.db"
    if not path.exists():
        return {}
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        run = db.execute("SELECT id, started_at, finished_at, stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if run is None:
            return {}
        resumed = db.execute("SELECT data FROM events WHERE run_id = ? AND kind = 'run_resumed'",
                             (run["id"],)).fetchone()
        earlier = db.execute("SELECT COUNT(*) FROM runs WHERE id < ?", (run["id"],)).fetchone()[0]
        mode = "resume" if resumed else "recrawl" if earlier else "first"
        has_ledger = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'portal_health'").fetchone()
        portals = [dict(row) for row in db.execute(
            "SELECT * FROM portal_health WHERE run_id = ? ORDER BY portal", (run["id"],))] if has_ledger else []
        hosts = [dict(row) for row in db.execute(
            "SELECT host, state, failing_runs, skipped_runs FROM host_health WHERE state != 'ok' ORDER BY host")
        ] if has_ledger else []
        captures = {row[0]: row[1] for row in db.execute(
            "SELECT outcome, COUNT(*) FROM captures WHERE run_id = ? GROUP BY outcome", (run["id"],))}
        revisits = db.execute("SELECT COUNT(*) FROM captures WHERE run_id = ? AND revisit_of IS NOT NULL",
                              (run["id"],)).fetchone()[0]
        gone = db.execute("SELECT COUNT(*) FROM events WHERE run_id = ? AND kind = 'gone'", (run["id"],)).fetchone()[0]
    finally:
        db.close()
    return {
        "run": run["id"], "mode": mode, "resumed_runs": json.loads(resumed[0])["resumes"] if resumed else [],
        "captures": captures, "revisits": revisits, "gone": gone,
        "alerts": [{"portal": entry["portal"], "alert": entry["alert"]} for entry in portals if entry["alert"]],
        "portals": portals, "hosts": hosts,
    }
