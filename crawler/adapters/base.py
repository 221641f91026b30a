"""The adapter interface and the link extraction every adapter shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response, TextResponse


@dataclass(frozen=True)
class Link:
    """A link on a listing: absolute URL, its text (or title attribute) and a date shown next to it."""

    url: str
    text: str
    date: str | None = None


@dataclass(frozen=True)
class PageRequest:
    """Another page of the same listing, as plain data (serialisable for a scrapy-redis queue)."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)


_DATE = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_SKIP_HREF = re.compile(r"^(?:javascript:|mailto:|tel:|#)", re.IGNORECASE)


def normal_date(text: str | None) -> str | None:
    """The first date in `text` as YYYY-MM-DD, or None."""
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def links_in(selector: Selector, base_url: str) -> list[Link]:
    """Every `<a href>` under `selector`, with its text (the title attribute when longer) and nearby date."""
    found = []
    for anchor in selector.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        if not href or _SKIP_HREF.match(href):
            continue
        text = clean_text(" ".join(anchor.css("::text").getall()))
        title = clean_text(anchor.attrib.get("title", ""))
        if len(title) > len(text):
            text = title
        parent_text = " ".join(anchor.xpath("..//text()").getall())
        found.append(Link(urljoin(base_url, href), text, normal_date(parent_text)))
    return found


class ListingAdapter:
    """Answers, for one listing response: which links are on it, and which other pages the listing has."""

    name = "base"

    @classmethod
    def detects(cls, response: Response) -> bool:
        raise NotImplementedError

    def links(self, response: Response) -> list[Link]:
        if not isinstance(response, TextResponse):
            return []
        return links_in(response.selector, response.url)

    def pages(self, response: Response, max_pages: int) -> list[PageRequest]:
        return []
