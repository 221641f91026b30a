"""Distributed crawling: the same spider on several machines, sharing one request queue and one
duplicates filter in Redis — scrapy-redis's Scheduler, queue and RFPDupeFilter, not a queue of our own.

    govreports crawl --seeds seeds/portals.csv --out /data/raw \\
        --set DISTRIBUTED=1 --set REDIS_URL=redis://queue.example:6379/0 --set DISTRIBUTED_JOB=2026-11

`DISTRIBUTED=1` (the add-on below, in ADDONS) switches the scheduler; every worker keeps its own raw store
(WARC files, captures.db); `govreports merge-stores` (crawler.merge) makes one raw store of them when the
workers are done. Keys live under `govreports:<job>:`, and are
kept when a worker stops (SCHEDULER_PERSIST): a worker that finishes never wipes the queue under the
others, and a worker run again joins the same job. A new crawl (next month's) takes a new DISTRIBUTED_JOB.

scrapy-redis 0.9.1 is used only for its scheduler, queue and dupefilter (its RedisSpider, which calls
`engine.crawl(request, spider)` and breaks on Scrapy >= 2.10, is not used); our spider's requests hold
only plain data in meta and name spider methods as callbacks, so they survive its pickled queue.

Two things scrapy-redis leaves open:

* **Requests a killed worker had in flight.** A request popped from Redis exists only in that worker
  until its page is parsed. `ClaimingScheduler` records every request it hands to the engine in the
  worker's capture index (`claims`, committed at once) before the request is downloaded. So that no
  kill can fall between the pop and that commit, `ParkingQueue` (scrapy-redis's PriorityQueue with
  an atomic pop in Lua) parks each popped request under this worker's name in Redis until it is
  claimed; a worker run again first turns what it had parked into claims of its killed run. When the
  worker is run again after a kill, the claims of its unfinished run are handed to this worker's own
  engine first (not pushed back to Redis: another worker does not hold this worker's captures): what
  the killed run captured is answered from the store (crawler.resume), the rest is fetched, and the
  pages' links go through the shared dupefilter as usual — so nothing is lost and nothing fetched twice.
* **When to stop.** A worker whose queue is empty may only be waiting for another worker's page to
  yield new requests. Each busy worker keeps a heartbeat key (TTL DISTRIBUTED_HEARTBEAT_TTL); an idle
  worker stays open while another worker is busy or the queue is not empty, at most
  DISTRIBUTED_IDLE_TIMEOUT seconds. A killed worker's heartbeat expires, so the others still finish.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import socket
import sqlite3
import time
import uuid
from collections import deque

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import request_from_dict
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.resume import incomplete_runs, request_key
from crawler.store.index import iso, utc_now
from crawler.store.raw import RawStore

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY, run_id INTEGER, key TEXT NOT NULL, request BLOB NOT NULL, claimed_at TEXT NOT NULL,
    recovered INTEGER DEFAULT 0
);
CREATE INDEX IF NOT EXISTS claims_run ON claims(run_id);
"""
KEY_PREFIX = "govreports:%(job)s:%(spider)s"
# Pop the highest-priority request and park it under this worker, in one step.
_POP_AND_PARK = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if item then
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
    redis.call('HSET', KEYS[2], ARGV[1], item)
end
return item
"""


def worker_name(settings) -> str:
    """A worker is a raw store on a machine: the same name when it is run again."""
    out_dir = os.path.abspath(settings.get("OUT_DIR", "out"))
    return hashlib.sha1(f"{socket.gethostname()}:{out_dir}".encode()).hexdigest()[:16]


class DistributedAddon:
    """Scrapy add-on: with DISTRIBUTED=1, the scrapy-redis scheduler and dupefilter under one job's keys."""

    def update_settings(self, settings) -> None:
        if not settings.getbool("DISTRIBUTED"):
            return
        prefix = KEY_PREFIX % {"job": settings.get("DISTRIBUTED_JOB", "default"), "spider": "%(spider)s"}
        settings.set("SCHEDULER", "crawler.distributed.ClaimingScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"{prefix}:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{prefix}:dupefilter", priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "crawler.distributed.ParkingQueue", priority="addon")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.distributed.WorkerLiveness"] = 450
        settings.set("EXTENSIONS", extensions, priority=max(settings.getpriority("EXTENSIONS") or 0, 15))


class ParkingQueue(PriorityQueue):
    """scrapy-redis's priority queue; `pop` parks the request under this worker until `release`."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.parked_key = f"{self.key}:parked:{worker_name(spider.settings)}"
        self.last_token: str | None = None
        self._pop = server.register_script(_POP_AND_PARK)

    def pop(self, timeout=0):
        token = uuid.uuid4().hex
        item = self._pop(keys=[self.key, self.parked_key], args=[token])
        if item is None:
            return None
        self.last_token = token
        return self._decode_request(item)

    def release(self, token: str) -> None:
        self.server.hdel(self.parked_key, token)

    def parked(self) -> dict[str, Request]:
        """What this worker popped but never claimed (it was killed in between)."""
        return {
            (token.decode() if isinstance(token, bytes) else token): self._decode_request(item)
            for token, item in self.server.hgetall(self.parked_key).items()
        }


class ClaimingScheduler(Scheduler):
    """scrapy-redis's Scheduler that records what it hands out and recovers what a killed run held."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.recovered = deque()
        return scheduler

    @property
    def index(self):
        return RawStore.for_crawler(self.crawler).index

    def open(self, spider):
        super().open(spider)
        self.index.db.executescript(SCHEMA)
        self._unpark()
        self._recover(spider)

    def _unpark(self) -> None:
        """Requests parked but never claimed become claims of the killed run, then leave Redis."""
        parked = self.queue.parked()
        if not parked:
            return
        killed = self.index.db.execute("SELECT MAX(id) FROM runs WHERE finished_at IS NULL").fetchone()[0]
        for token, request in parked.items():
            self._claim(request, run_id=killed)
            self.queue.release(token)

    def _recover(self, spider) -> None:
        db = sqlite3.connect(self.index.path)
        db.row_factory = sqlite3.Row
        try:
            runs = [row["id"] for row in incomplete_runs(db) if row["finished_at"] is None]
            marks = ",".join("?" for _ in runs)
            rows = db.execute(f"SELECT id, request FROM claims WHERE run_id IN ({marks}) ORDER BY id", runs).fetchall()
        finally:
            db.close()
        seen: set[str] = set()
        for row in rows:
            request = request_from_dict(pickle.loads(row["request"]), spider=spider)
            key = request_key(request)
            if key not in seen:
                seen.add(key)
                self.recovered.append(request)
        if self.recovered:
            logger.info("recovering %d requests the killed run(s) %s had claimed", len(self.recovered), runs)
            self.index.add_event("claims_recovered", None, None, f"{len(self.recovered)} requests from runs {runs}",
                                 runs=runs, requests=len(self.recovered))
            self.index.commit()

    def __len__(self):
        return len(self.queue) + len(self.recovered)

    def has_pending_requests(self):
        return bool(self.recovered) or len(self.queue) > 0

    def next_request(self):
        if self.recovered:
            request = self.recovered.popleft()
            self._claim(request)
            return request
        request = super().next_request()
        if request is not None:
            self._claim(request)
            self.queue.release(self.queue.last_token)
        return request

    def _claim(self, request: Request, run_id: int | None = None) -> None:
        """Record the request in the capture index, committed before it is downloaded."""
        self.index.db.execute(
            "INSERT INTO claims (run_id, key, request, claimed_at) VALUES (?, ?, ?, ?)",
            (run_id or self.index.run_id, request_key(request),
             pickle.dumps(request.to_dict(spider=self.spider), protocol=4), iso(utc_now())),
        )
        self.index.commit()


class WorkerLiveness:
    """Keeps an idle worker open while another one may still yield requests (see the module docstring)."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.ttl = settings.getint("DISTRIBUTED_HEARTBEAT_TTL", 5)
        self.idle_timeout = settings.getfloat("DISTRIBUTED_IDLE_TIMEOUT", 120.0)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.server = get_redis_from_settings(settings)
        self.queue_key = ""
        self.idle_since: float | None = None
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _busy_key(self, worker: str) -> str:
        return f"{self.queue_key.rsplit(':', 1)[0]}:busy:{worker}"

    def spider_opened(self, spider):
        self.queue_key = self.crawler.settings.get("SCHEDULER_QUEUE_KEY") % {"spider": spider.name}
        self.loop = task.LoopingCall(self.beat)
        self.loop.start(1.0)

    def beat(self) -> None:
        engine = self.crawler.engine
        if engine.spider_is_idle():
            self.server.delete(self._busy_key(self.worker))
            if self.server.zcard(self.queue_key):
                # Other workers queued requests: wake the engine now rather than at its next 5 s heartbeat
                # (Scrapy has no public call for this; without it an idle worker joins up to 5 s late).
                nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
                if nextcall is not None:
                    nextcall.schedule()
        else:
            self.idle_since = None
            self.server.set(self._busy_key(self.worker), iso(utc_now()), ex=self.ttl)

    def others_busy(self) -> bool:
        mine = self._busy_key(self.worker)
        keys = (key.decode() if isinstance(key, bytes) else key
                for key in self.server.scan_iter(match=self._busy_key("*"), count=100))
        return any(key != mine for key in keys)

    def spider_idle(self, spider):
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        waiting = self.others_busy() or self.server.zcard(self.queue_key) > 0
        if waiting and now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider("another worker is still crawling")

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.server.delete(self._busy_key(self.worker))
