"""Item pipeline: record what the spider discovered (reports with their own URLs, excluded entries
and why) in the capture index, from which reports.jsonl is rebuilt at the end of the run."""

from __future__ import annotations

from dataclasses import asdict

from crawler.items import ExcludedItem, ReportItem
from crawler.store.raw import RawStore


class DiscoveryPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider):
        index = RawStore.for_crawler(self.crawler).index
        if isinstance(item, ReportItem):
            fields = asdict(item)
            attachments = fields.pop("attachments")
            index.add_report(fields, attachments)
            self.crawler.stats.inc_value("govreports/reports")
        elif isinstance(item, ExcludedItem):
            index.add_event("excluded", item.url, item.portal, item.reason, title=item.title,
                            listing_url=item.listing_url)
            self.crawler.stats.inc_value("govreports/excluded")
        return item
