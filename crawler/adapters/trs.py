"""TRS WCM static listings: `index.html`, `index_1.html` … `index_{N-1}.html`, where N comes from the
pager call `createPageHTML(N, current, "index", "html")` or a `countPage = N` variable."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import Response, TextResponse

from crawler.adapters.base import PageRequest
from crawler.adapters.plain import PlainAdapter

_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\b(?:countPage|totalPage|pageCount)\s*=\s*['\"]?(\d+)")


_LATER_PAGE = re.compile(r"/index_\d+\.s?html?$")


def page_count(text: str) -> tuple[int, str, str] | None:
    """(pages, file prefix, suffix) announced by the TRS pager script, or None."""
    match = _CREATE_PAGE.search(text)
    if match:
        return int(match.group(1)), match.group(3), match.group(4)
    match = _COUNT_PAGE.search(text)
    if match:
        return int(match.group(1)), "index", "html"
    return None


def is_first_page(text: str, url: str) -> bool:
    """Whether this is the listing's first page, the one whose pager announces all the others."""
    match = _CREATE_PAGE.search(text)
    return int(match.group(2)) == 0 if match else not _LATER_PAGE.search(url)


class TrsAdapter(PlainAdapter):
    name = "trs"

    @classmethod
    def detects(cls, response: Response) -> bool:
        return isinstance(response, TextResponse) and page_count(response.text) is not None

    def pages(self, response: Response, max_pages: int) -> list[PageRequest]:
        announced = page_count(response.text) if isinstance(response, TextResponse) else None
        if announced is None:
            return super().pages(response, max_pages)
        if not is_first_page(response.text, response.url):
            return []  # every page repeats the pager; the first page already asked for all of them
        count, prefix, suffix = announced
        return [PageRequest(urljoin(response.url, f"{prefix}_{n}.{suffix}")) for n in range(1, min(count, max_pages))]
