"""Every request is fetched under its canonical URL (crawler/canonical.py). The spider canonicalises the
links it follows; this catches what it does not see — redirect targets — so a redirect to a tracking
variant of a URL already fetched is dropped by the duplicate filter, which also cuts redirect loops."""

from __future__ import annotations

from w3lib.url import canonicalize_url

from crawler.canonical import canonical_url


class CanonicalUrlMiddleware:
    def process_request(self, request, spider):
        canonical = canonical_url(request.url)
        if canonical == canonicalize_url(request.url):
            # Only order or escaping differ: Scrapy's fingerprint is already the canonical one.
            return None
        return request.replace(url=canonical)
