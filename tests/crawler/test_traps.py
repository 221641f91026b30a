"""Trap bounds (crawler.traps): a host's listing budget spent is a `listing_budget_exhausted` event in
captures.db, and in a distributed crawl the budget is one for the whole job (counters in Redis)."""

from __future__ import annotations

import json
import sqlite3

import redis

from crawler.traps import LocalTrapCounters, RedisTrapCounters, within_budget
from tests.crawler.conftest import MAXSIZE, run_crawl
from tests.portal.server import serve_portal


def test_an_exhausted_listing_budget_is_an_event_in_the_capture_index(tmp_path):
    with serve_portal(huge_size=3 * MAXSIZE) as portal:
        run_crawl(portal, tmp_path, "-s", "HOST_LISTING_BUDGET=3")
    db = sqlite3.connect(tmp_path / "captures.db")
    db.row_factory = sqlite3.Row
    events = db.execute("SELECT * FROM events WHERE kind = 'listing_budget_exhausted'").fetchall()
    listings = db.execute("SELECT COUNT(*) FROM captures WHERE role IN ('listing', 'hub') AND status IS NOT NULL"
                          ).fetchone()[0]
    db.close()
    assert len(events) == 1, "recorded once per host"
    data = json.loads(events[0]["data"])
    assert data == {"host": "127.0.0.1", "budget": 3}
    assert events[0]["portal"] == "127.0.0.1" and "HOST_LISTING_BUDGET" in events[0]["message"]
    assert 1 <= listings <= 3, "no more listing pages fetched than the budget (robots.txt may refuse one)"


def test_two_workers_share_one_listing_budget_per_host_through_redis(redis_url):
    server = redis.Redis.from_url(redis_url)
    workers = [RedisTrapCounters(5, server, "traps-test"), RedisTrapCounters(5, server, "traps-test")]
    decisions = [within_budget(workers[turn % 2], "trap.gov.cn") for turn in range(12)]
    assert sum(allowed for allowed, _ in decisions) == 5
    assert [turn for turn, (_, exhausted) in enumerate(decisions) if exhausted] == [5]
    assert workers[0].first_request("http://trap.gov.cn/rl/2024-01.html")
    assert not workers[1].first_request("http://trap.gov.cn/rl/2024-01.html"), "a page one worker asked for is seen"
    assert within_budget(workers[1], "other.gov.cn") == (True, False), "each host has its own budget"


def test_one_process_counts_its_own_budget():
    counters = LocalTrapCounters(2)
    assert [within_budget(counters, "x.gov.cn") for _ in range(4)] == [
        (True, False), (True, False), (False, True), (False, False)]
    assert counters.first_request("a") and not counters.first_request("a")
