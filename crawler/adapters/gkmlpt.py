"""Guangdong's 政府信息公开目录管理平台 (gkmlpt): the listing is JSON from
`/gkmlpt/api/all/{column}?page={n}&sid={site}` with `articles` (title, url, dates) and `total`.
A seeds row gives that API URL (or the `/gkmlpt/index` page, whose scripts name it)."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from scrapy.http import Response, TextResponse

from crawler.adapters.base import Link, ListingAdapter, PageRequest, normal_date

_API = re.compile(r"""(/gkmlpt/api/all/\d+\?[^"'\s<>]*)""")


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    query["page"] = str(page)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(sorted(query.items())), ""))


def _is_api(response: Response) -> bool:
    return "/gkmlpt/api/" in response.url


class GkmlptAdapter(ListingAdapter):
    name = "gkmlpt"

    @classmethod
    def detects(cls, response: Response) -> bool:
        return _is_api(response) or (isinstance(response, TextResponse) and "/gkmlpt/api/" in response.text)

    def _payload(self, response: Response) -> dict:
        try:
            payload = json.loads(response.body)
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    def links(self, response: Response) -> list[Link]:
        if not _is_api(response):
            return super().links(response)
        articles = self._payload(response).get("articles") or []
        return [
            Link(urljoin(response.url, article["url"]), str(article.get("title", "")),
                 normal_date(str(article.get("first_publish_time") or article.get("publish_time") or "")))
            for article in articles if isinstance(article, dict) and article.get("url")
        ]

    def pages(self, response: Response, max_pages: int) -> list[PageRequest]:
        if not _is_api(response):
            return [PageRequest(urljoin(response.url, path)) for path in _API.findall(response.text)[:1]]
        payload = self._payload(response)
        page = int((parse_qs(urlsplit(response.url).query).get("page") or ["1"])[0])
        per_page = len(payload.get("articles") or []) or 1
        count = min(math.ceil(int(payload.get("total") or 0) / per_page), max_pages)
        return [PageRequest(_with_page(response.url, n)) for n in range(2, count + 1)] if page == 1 else []
