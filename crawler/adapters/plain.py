"""Plain listings: pages linked as `index_N.html`, `N.html`, `?page=N` (or pageNo, pageNum, PageIndex,
currPage) or by "下一页/尾页" text. Every such link on the page is followed; the spider's budgets bound it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from scrapy.http import Response

from crawler.adapters.base import ListingAdapter, PageRequest

_PAGE_PATH = re.compile(r"/(?:index|list|column-index|t)?[_-]?\d{1,4}\.s?html?$", re.IGNORECASE)
_PAGE_PARAMS = frozenset({"page", "pageno", "pagenum", "pageindex", "currpage", "curpage", "p"})
_PAGER_TEXT = re.compile(r"^(?:下一页|下页|上一页|上页|尾页|末页|首页|\d{1,4}|>|>>|»)$")


def _same_directory(url: str, other: str) -> bool:
    return urlsplit(url).path.rsplit("/", 1)[0] == urlsplit(other).path.rsplit("/", 1)[0]


def is_page_link(listing_url: str, url: str, text: str) -> bool:
    """Whether `url` is another page of the listing at `listing_url`."""
    if urlsplit(url).hostname != urlsplit(listing_url).hostname:
        return False
    params = {name.lower() for name in parse_qs(urlsplit(url).query)}
    if params & _PAGE_PARAMS and urlsplit(url).path == urlsplit(listing_url).path:
        return True
    if _same_directory(url, listing_url) and _PAGE_PATH.search(urlsplit(url).path):
        return bool(_PAGER_TEXT.match(text.replace(" ", ""))) or "index_" in url
    return False


class PlainAdapter(ListingAdapter):
    name = "plain"

    @classmethod
    def detects(cls, response: Response) -> bool:
        return True

    def pages(self, response: Response, max_pages: int) -> list[PageRequest]:
        links = self.links(response)
        return [PageRequest(link.url) for link in links if is_page_link(response.url, link.url, link.text)][:max_pages]
