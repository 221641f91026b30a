"""Trap bounds the spider keeps: which listing pages it has already asked for, and how many listing
pages each host has cost (HOST_LISTING_BUDGET). A calendar or an endless pagination is cut when the
host's budget is spent, and that is recorded as a `listing_budget_exhausted` event in captures.db.

In a distributed crawl (DISTRIBUTED=1) the counters live in Redis under the job's keys, so that two
workers together spend one budget per host — a trap still costs a few dozen requests at most for the
whole job — and the exhaustion is recorded once, by the worker that hit it. Both checks are single
Redis commands (SADD, INCR), atomic across workers.
"""

from __future__ import annotations

from collections import Counter

from scrapy_redis.connection import get_redis_from_settings

EXHAUSTED_EVENT = "listing_budget_exhausted"


class LocalTrapCounters:
    """The counters of one process."""

    def __init__(self, budget: int):
        self.budget = budget
        self._pages: set[str] = set()
        self._spent: Counter[str] = Counter()

    def first_request(self, page_key: str) -> bool:
        """Whether this listing page is asked for the first time (duplicates must not eat the budget)."""
        if page_key in self._pages:
            return False
        self._pages.add(page_key)
        return True

    def spend(self, host: str) -> int:
        """Count one more listing page on `host`; return how many it has cost, this one included."""
        self._spent[host] += 1
        return self._spent[host]


class RedisTrapCounters(LocalTrapCounters):
    """The same counters shared by every worker of a distributed job."""

    def __init__(self, budget: int, server, job: str):
        super().__init__(budget)
        self.server = server
        self.prefix = f"govreports:{job}:traps"

    def first_request(self, page_key: str) -> bool:
        return bool(self.server.sadd(f"{self.prefix}:listing-pages", page_key))

    def spend(self, host: str) -> int:
        return int(self.server.hincrby(f"{self.prefix}:listing-budget", host, 1))


def trap_counters(settings) -> LocalTrapCounters:
    """The counters for this crawl: shared through Redis in distributed mode, else this process's own."""
    budget = settings.getint("HOST_LISTING_BUDGET", 400)
    if settings.getbool("DISTRIBUTED"):
        return RedisTrapCounters(budget, get_redis_from_settings(settings), settings.get("DISTRIBUTED_JOB", "default"))
    return LocalTrapCounters(budget)


def within_budget(counters: LocalTrapCounters, host: str) -> tuple[bool, bool]:
    """(may this listing page be fetched, is this the refusal that exhausts the host's budget)."""
    spent = counters.spend(host)
    return spent <= counters.budget, spent == counters.budget + 1
