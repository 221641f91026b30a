"""Hanweb (大汉 jpaas) listings: the column page only carries the pager script; the entries come from
`/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`, POSTed the column's parameters
(col=1&appid=..&webid=..&path=/&columnid=..&unitid=..), answering XML whose `<record>`s hold the `<li>`
entries as CDATA and `<totalrecord>` the count. We POST the first window, then every further window."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.adapters.base import Link, ListingAdapter, PageRequest, links_in

_PROXY = re.compile(r"""["'(]?(/module/web/jpage/dataproxy\.jsp[^"'\s<>)]*)""")
_PARAM = re.compile(r"""\b(columnid|unitid|webid|appid|webname|permissiontype|path|col)\s*[:=]\s*["']?([^"',;&\s}]+)""")
_PER_PAGE = re.compile(r"\bperpage\s*[:=]\s*[\"']?(\d+)", re.IGNORECASE)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
WINDOW = 45  # records per POST, as Hanweb's own pager asks (3 pages of 15)


def proxy_parameters(text: str) -> dict[str, str]:
    """The column's dataproxy parameters, from the proxy URL's query and the pager script's variables."""
    params = {"col": "1", "appid": "1", "path": "/", "permissiontype": "0"}
    for name, value in _PARAM.findall(text):
        params[name.lower()] = value
    match = _PROXY.search(text)
    if match:
        for name, values in parse_qs(urlsplit(match.group(1)).query).items():
            if name.lower() not in ("startrecord", "endrecord", "perpage"):
                params[name.lower()] = values[0]
    return params


def window_url(base_url: str, start: int, end: int, per_page: int) -> str:
    return urljoin(base_url, f"/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage={per_page}")


class HanwebAdapter(ListingAdapter):
    name = "hanweb"

    @classmethod
    def detects(cls, response: Response) -> bool:
        return "dataproxy.jsp" in response.url or (
            isinstance(response, TextResponse) and "dataproxy.jsp" in response.text
        )

    def links(self, response: Response) -> list[Link]:
        if "dataproxy.jsp" not in response.url:
            return super().links(response)
        records = _RECORD.findall(response.text)
        return links_in(Selector(text="".join(records) or "<p/>"), response.url)

    def pages(self, response: Response, max_pages: int) -> list[PageRequest]:
        if "dataproxy.jsp" not in response.url:
            params = proxy_parameters(response.text)
            if "columnid" not in params:
                return []
            match = _PER_PAGE.search(response.text)
            per_page = int(match.group(1)) if match else 15
            meta = {"hanweb_per_page": per_page, "hanweb_first": 1, "hanweb_form": params}
            return [PageRequest(window_url(response.url, 1, WINDOW, per_page), "POST", params, meta)]
        if not response.meta.get("hanweb_first"):
            return []
        total_match = _TOTAL.search(response.text)
        total = int(total_match.group(1)) if total_match else 0
        per_page = int(response.meta.get("hanweb_per_page", 15))
        params = dict(response.meta.get("hanweb_form", {}))
        windows = range(WINDOW + 1, min(total, max_pages * per_page) + 1, WINDOW)
        return [
            PageRequest(window_url(response.url, start, start + WINDOW - 1, per_page), "POST", params,
                        {"hanweb_per_page": per_page, "hanweb_form": params})
            for start in windows
        ]
