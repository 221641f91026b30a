"""CMS adapters: where the entries are and which other pages a listing has."""

import json

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

from crawler.adapters import adapter_for
from crawler.adapters.gkmlpt import GkmlptAdapter
from crawler.adapters.hanweb import HanwebAdapter, proxy_parameters
from crawler.adapters.plain import PlainAdapter, is_page_link
from crawler.adapters.trs import TrsAdapter, page_count
from tests.portal.site import hanweb_column, hanweb_window


def page(url: str, body: str, meta=None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url, meta=meta or {}))


def test_trs_pager_gives_index_n_pages():
    assert page_count('createPageHTML(5, 0, "index", "html");') == (5, "index", "html")
    assert page_count("var countPage = 7;//共多少页") == (7, "index", "html")
    response = page("http://x.gov.cn/zfxxgknb/", '<script>createPageHTML(4, 0, "index", "shtml");</script>')
    adapter = adapter_for(response, "")
    assert isinstance(adapter, TrsAdapter)
    assert [p.url for p in adapter.pages(response, 200)] == [
        f"http://x.gov.cn/zfxxgknb/index_{n}.shtml" for n in (1, 2, 3)
    ]
    assert len(adapter.pages(response, 2)) == 1  # LISTING_PAGES_MAX bounds an absurd countPage
    later = page("http://x.gov.cn/zfxxgknb/index_2.shtml", '<script>createPageHTML(4, 2, "index", "shtml");</script>')
    assert adapter.pages(later, 200) == []  # the first page already asked for every page


def test_plain_pages_follow_index_n_and_page_parameters_on_the_same_listing():
    base = "http://x.gov.cn/zfxxgk/zfxxgknb/"
    assert is_page_link(base, base + "index_2.html", "2")
    assert is_page_link("http://x.gov.cn/list.jsp?cid=1", "http://x.gov.cn/list.jsp?cid=1&page=3", "下一页")
    assert not is_page_link(base, "http://x.gov.cn/other/index_2.html", "2")
    assert not is_page_link(base, base + "202401/t20240119_1.html", "某报告")
    response = page(base, '<a href="index_1.html">下一页</a><a href="/news/">新闻</a>')
    assert [p.url for p in PlainAdapter().pages(response, 200)] == [base + "index_1.html"]


def test_hanweb_column_posts_its_parameters_to_dataproxy():
    column = page("http://x.gov.cn/bm/jtj/col/col123/index.html", hanweb_column().body.decode())
    adapter = adapter_for(column, "hanweb")
    assert isinstance(adapter, HanwebAdapter)
    [first] = adapter.pages(column, 200)
    assert first.method == "POST"
    assert first.url == "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
    assert first.formdata["columnid"] == "123" and first.formdata["unitid"] == "456" and first.formdata["webid"] == "7"


def test_hanweb_xml_records_are_the_entries_and_the_total_gives_the_other_windows():
    url = "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
    meta = {"hanweb_first": 1, "hanweb_per_page": 15, "hanweb_form": {"columnid": "123"}}
    response = XmlResponse(url, body=hanweb_window(1, 45).body, request=Request(url, meta=meta))
    adapter = HanwebAdapter()
    links = adapter.links(response)
    assert len(links) == 45 and links[0].url == "http://x.gov.cn/bm/jtj/art/2024/1/20/art_123_5001.html"
    assert [p.url for p in adapter.pages(response, 200)] == [
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
    ]


def test_hanweb_parameters_from_script_variables():
    params = proxy_parameters("var columnid = 9; unitid='8'; webid=7;")
    assert (params["columnid"], params["unitid"], params["webid"], params["col"]) == ("9", "8", "7", "1")


def test_gkmlpt_json_api_gives_articles_and_pages():
    url = "http://x.gov.cn/gkmlpt/api/all/5?page=1&sid=755031"
    payload = {"total": 45, "articles": [
        {"title": f"某局{2000 + n}年政府信息公开工作年度报告", "url": f"/gkmlpt/content/1/2/post_{n}.html",
         "first_publish_time": "2024-01-19 10:00:00"} for n in range(20)
    ]}
    response = TextResponse(url, body=json.dumps(payload).encode(), encoding="utf-8", request=Request(url))
    adapter = adapter_for(response, "")
    assert isinstance(adapter, GkmlptAdapter)
    links = adapter.links(response)
    assert links[0].url == "http://x.gov.cn/gkmlpt/content/1/2/post_0.html" and links[0].date == "2024-01-19"
    assert [p.url for p in adapter.pages(response, 200)] == [
        "http://x.gov.cn/gkmlpt/api/all/5?page=2&sid=755031", "http://x.gov.cn/gkmlpt/api/all/5?page=3&sid=755031",
    ]
