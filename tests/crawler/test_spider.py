"""The spider's requests survive a scrapy-redis queue (serialisable: plain meta, callbacks that are
spider methods), and detail pages give the report's own documents only."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.utils.request import request_from_dict

from crawler.run import project_settings
from crawler.spiders.reports import ReportsSpider, document_links
from tests.portal.site import build_site, hanweb_column

BASE = "http://www.x.gov.cn"


def spider(tmp_path: Path) -> ReportsSpider:
    crawler = Crawler(ReportsSpider, project_settings(tmp_path))
    return crawler._create_spider(url=f"{BASE}/")


def response(path: str, body: bytes, meta: dict) -> HtmlResponse:
    url = BASE + path
    return HtmlResponse(url, body=body, encoding="utf-8", request=Request(url, meta=meta))


def test_requests_round_trip_through_dicts_as_a_redis_queue_does(tmp_path):
    reports = spider(tmp_path)
    meta = {"portal": "www.x.gov.cn", "role": "listing", "cms": "", "hub_depth": 0, "barren": 0, "referrer": None}
    pages = [
        response("/zwgk/zfxxgknb/", build_site()["/zwgk/zfxxgknb/"].body, meta),
        response("/bm/jtj/col/col123/index.html", hanweb_column().body, meta),
    ]
    requests = [item for page in pages for item in reports.parse_page(page) if isinstance(item, Request)]
    assert {request.callback.__name__ for request in requests} >= {"parse_page", "parse_detail"}
    assert any(request.method == "POST" for request in requests)
    for request in requests:
        restored = request_from_dict(request.to_dict(spider=reports), spider=reports)
        assert (restored.url, restored.method, restored.body, restored.meta) == (
            request.url, request.method, request.body, request.meta)
        assert restored.callback == request.callback


def test_detail_documents_come_from_the_article_body_only():
    page = build_site()["/zwgk/zfxxgknb/202301/t20230120_901.html"].body
    url = BASE + "/zwgk/zfxxgknb/202301/t20230120_901.html"
    detail = HtmlResponse(url, body=page, encoding="utf-8")
    content = detail.css(".TRS_Editor")[0]
    assert document_links(content, url) == [
        BASE + "/zwgk/zfxxgknb/202301/P020230120.docx", BASE + "/zwgk/zfxxgknb/202301/P020230120.pdf",
    ]
