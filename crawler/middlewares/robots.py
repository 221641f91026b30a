"""Scrapy's RobotsTxtMiddleware, recording each host's robots.txt decision and every refusal in the index."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.canonical import host_of
from crawler.store.raw import RawStore


class RecordingRobotsTxtMiddleware(RobotsTxtMiddleware):
    @property
    def index(self):
        return RawStore.for_crawler(self.crawler).index

    def process_request_2(self, rp, request, spider):
        try:
            return super().process_request_2(rp, request, spider)
        except IgnoreRequest:
            host = host_of(request.url)
            self.index.count_disallowed(host)
            self.index.add_event("robots_disallowed", request.url, request.meta.get("portal"),
                                 "forbidden by robots.txt", referrer=request.meta.get("referrer"))
            raise

    def _parse_robots(self, response, netloc, spider):
        if response.status == 200:
            decision = "obeyed: robots.txt found"
        elif 400 <= response.status < 500:
            decision = f"no robots.txt (HTTP {response.status}): everything allowed"
        else:
            decision = f"robots.txt answered HTTP {response.status}: everything allowed"
        self.index.record_robots(host_of(response.url), response.url, response.status, decision)
        return super()._parse_robots(response, netloc, spider)

    def _robots_error(self, failure, netloc):
        if failure.type is not IgnoreRequest:
            self.index.record_robots(netloc.split(":")[0], f"//{netloc}/robots.txt", None,
                                     f"robots.txt unreachable ({failure.type.__name__}): everything allowed")
        return super()._robots_error(failure, netloc)
