"""The listing styles the main mock portal does not use, crawled end to end on a second small portal:
Guangdong's gkmlpt JSON API (two pages) and a plain `?page=N` listing with 下一页 links."""

from __future__ import annotations

import json

import pytest

from tests.crawler.conftest import run_crawl
from tests.portal.server import serve_portal
from tests.portal.site import Page, detail, inline_report, page, report_title

BODY = "某某区财政局"
AUDIT = "某某区审计局"


def _article(number: int, title: str) -> dict:
    return {"id": number, "title": title, "url": f"/gkmlpt/content/0/1/post_{number}.html",
            "first_publish_time": f"20{20 + number}-01-1{number} 09:00:00"}


def other_portal() -> dict[str, Page]:
    api = "/gkmlpt/api/all/5"
    first = [_article(1, report_title(BODY, 2021)), _article(2, f"{BODY}2022年政务公开工作要点")]
    second = [_article(3, report_title(BODY, 2022))]
    pages = {
        "/robots.txt": Page(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/": page("某某区人民政府",
                  '<a href="/gkmlpt/index">政府信息公开年报</a> <a href="/list.jsp?cid=7">年度报告</a>'),
        "/gkmlpt/index": page("政府信息公开", f'<script>var api = "{api}?page=1&sid=2";</script>'),
        f"{api}?page=1&sid=2": Page(json.dumps({"total": 3, "articles": first}).encode(), "application/json"),
        f"{api}?page=2&sid=2": Page(json.dumps({"total": 3, "articles": second}).encode(), "application/json"),
        "/list.jsp?cid=7": page("年度报告", f'<ul><li><a href="/doc/2020.html">{AUDIT}2020年政府信息公开工作年度报告'
                                '</a></li></ul><a href="/list.jsp?cid=7&page=2">下一页</a>'),
        "/list.jsp?cid=7&page=2": page("年度报告", f'<ul><li><a href="/doc/2019.pdf">{AUDIT}2019年政府信息公开年报</a>'
                                       "</li></ul>"),
        "/doc/2020.html": detail(f"{AUDIT}2020年政府信息公开工作年度报告", inline_report(AUDIT, 2020),
                                 "2021-01-20", "X/2021-1"),
        "/doc/2019.pdf": Page(b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    }
    for number, year in ((1, 2021), (3, 2022)):
        pages[f"/gkmlpt/content/0/1/post_{number}.html"] = detail(
            report_title(BODY, year), inline_report(BODY, year), f"{year + 1}-01-15", f"Y/{year}-1")
    return pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    out = tmp_path_factory.mktemp("other-cms")
    with serve_portal(pages=other_portal()) as portal:
        run_crawl(portal, out)
    reports = [json.loads(line) for line in (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()]
    return portal, reports


def test_gkmlpt_api_pages_and_page_parameter_listings_are_followed(crawled):
    portal, reports = crawled
    found = {(r["year"], r["body"], r["page_url"].replace(portal.base_url, "")) for r in reports}
    assert found == {
        (2021, BODY, "/gkmlpt/content/0/1/post_1.html"),
        (2022, BODY, "/gkmlpt/content/0/1/post_3.html"),
        (2020, AUDIT, "/doc/2020.html"),
        (2019, AUDIT, "/doc/2019.pdf"),
    }
    assert portal.hits["/gkmlpt/api/all/5"] == 2 and portal.hits["/list.jsp"] == 2
    assert "/gkmlpt/content/0/1/post_2.html" not in portal.hits  # the 工作要点 entry of the JSON
