"""Scrapy's RetryMiddleware with exponential backoff: retry n of a request waits
RETRY_BACKOFF_BASE ** n seconds (at most RETRY_BACKOFF_MAX), so a struggling host gets breathing room
instead of an immediate second hit. The wait is a Twisted timer, never a blocking sleep."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def backoff(self, retry_times: int) -> float:
        """Seconds to wait before retry number `retry_times`."""
        return min(self.backoff_max, self.backoff_base ** max(retry_times - 1, 0))

    def _delayed(self, result):
        if not isinstance(result, Request):
            return result
        from twisted.internet import reactor

        delay = self.backoff(result.meta.get("retry_times", 1))
        return deferLater(reactor, delay, lambda: result)

    def process_response(self, request, response, spider=None):
        return self._delayed(super().process_response(request, response, spider))

    def process_exception(self, request, exception, spider=None):
        return self._delayed(super().process_exception(request, exception, spider))
