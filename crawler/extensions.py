"""Run bookkeeping: open a run in the capture index when the spider opens; when it closes, close the
run with Scrapy's stats and rewrite `<out>/reports.jsonl` atomically from the whole index."""

from __future__ import annotations

from scrapy import signals

from crawler.store.raw import RawStore
from crawler.store.reports import write_reports

RECORDED_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY", "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "REDIRECT_MAX_TIMES", "DEPTH_LIMIT", "HOST_LISTING_BUDGET",
    "BARREN_LISTING_LIMIT",
)


class ReportsExport:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        settings = {name: self.crawler.settings.get(name) for name in RECORDED_SETTINGS}
        start_urls = [url for portal in spider.portals.values() for url in portal.start_urls()]
        RawStore.for_crawler(self.crawler).index.start_run(spider.name, start_urls, settings)

    def spider_closed(self, spider, reason):
        store = RawStore.for_crawler(self.crawler)
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        store.index.finish_run(stats)
        store.warc.flush()
        count = write_reports(store.index.path, store.out_dir / "reports.jsonl")
        store.close()
        spider.logger.info("reports.jsonl: %d reports (%s)", count, store.out_dir / "reports.jsonl")
