"""Responses are classified before storage; text is decoded with the right codec; media types come
from the bytes."""

import pytest
from scrapy.http import HtmlResponse, Request, Response

from crawler.middlewares.encoding import EncodingMiddleware, choose_codec
from crawler.middlewares.responses import classify_response
from crawler.sniff import media_type
from tests.portal.documents import tiny_doc, tiny_docx, tiny_pdf

URL = "http://x.gov.cn/zfxxgknb/202401/t20240119_1.html"


def html(body: str, status: int = 200, url: str = URL, headers=None, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body.encode(encoding), headers=headers or {},
                        encoding=encoding, request=Request(url))


@pytest.mark.parametrize(
    ("response", "outcome"),
    [
        (html("<script>$_ts=window['$_ts'];</script>", 412), "blocked_ruishu"),
        (html("<script>$_ts.nsd=1;</script>", 202), "blocked_ruishu"),
        (html("<script>document.cookie='__jsl_clearance=1'</script>", 521), "blocked_jsl"),
        (html("<script>document.cookie=('_')+('_j')+('sl_clearance=1|0|')</script>", 521), "blocked_jsl"),
        (html("<script>eval(x)</script>", 521, headers={"Set-Cookie": "__jsluid_h=1; path=/"}), "blocked_jsl"),
        (html("<html></html>", 200, headers={"Set-Cookie": "wzws_cid=5f; path=/"}), "blocked_wzws"),
        (html("<script>var wzws_cid='x'</script>", 200), "blocked_wzws"),
        (html("", 302, headers={"Location": "/b.html"}), "redirect"),
        (html("gone", 404), "not_found"),
        (html("oops", 500), "http_error"),
        (html("<title>页面不存在</title><p>您访问的页面不存在</p>"), "soft_404"),
        (html("<title>用户登录</title><form><input type='password' name='p'></form>"), "login_page"),
        (html("<html><body>not a pdf</body></html>", url="http://x.gov.cn/a/P0201.pdf"), "html_as_document"),
        (html("<title>某某市2023年政府信息公开工作年度报告</title><p>" + "正文" * 3000 + "</p>"), "ok"),
    ],
)
def test_responses_are_classified(response, outcome):
    assert classify_response(response.url, response)[0] == outcome


def test_a_long_report_page_mentioning_404_is_not_a_soft_404():
    body = "<title>报告</title><p>页面不存在" + "主动公开政府信息情况" * 1000 + "</p>"
    assert classify_response(URL, html(body))[0] == "ok"


def test_challenge_on_a_200_without_markers_is_ok():
    response = Response(URL, status=200, body=tiny_pdf("x"), request=Request(URL))
    assert classify_response("http://x.gov.cn/a.pdf", response) == ("ok", "")


@pytest.mark.parametrize(
    ("content_type", "body", "codec"),
    [
        ("text/html; charset=gbk", "<p>年报</p>".encode("gbk"), ("gb18030", "http-header")),
        ("text/html; charset=GB2312", "<p>年报</p>".encode("gbk"), ("gb18030", "http-header")),
        ("text/html", '<meta charset="gbk"><p>年报</p>'.encode("gbk"), ("gb18030", "meta")),
        ("text/html", b'<meta http-equiv="Content-Type" content="text/html; charset=x-gbk">', ("gb18030", "meta")),
        ("text/html", "<p>政府信息公开年报</p>".encode(), ("utf-8", "detected")),
        ("text/html", b"\xef\xbb\xbf<p>x</p>", ("utf-8", "bom")),
        ("text/html; charset=utf-8", b"<p>x</p>", ("utf-8", "http-header")),
    ],
)
def test_codec_choice(content_type, body, codec):
    assert choose_codec(content_type, body) == codec


def test_undeclared_gbk_is_detected_as_gb18030():
    text = "<html><body><h1>某某市交通运输局2023年政府信息公开工作年度报告</h1>" + (
        "<p>本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开标准化规范化建设。</p>" * 5
    ) + "</body></html>"
    assert choose_codec("text/html", text.encode("gbk")) == ("gb18030", "detected")


def test_encoding_middleware_redecodes_and_records_the_codec():
    body = "<html><body><p>政府信息公开年报</p></body></html>".encode("gbk")
    request = Request(URL)
    response = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html; charset=gb2312"}, request=request)
    decoded = EncodingMiddleware().process_response(request, response, None)
    assert "政府信息公开年报" in decoded.text
    assert request.meta["codec"] == "gb18030 (http-header)"


def test_media_type_comes_from_the_bytes():
    assert media_type(tiny_pdf("x")) == "application/pdf"
    assert media_type(tiny_docx("t")) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert media_type(tiny_doc("x"), "http://x/a.doc") == "application/msword"
    assert media_type(tiny_doc("x"), "http://x/a.wps") == "application/vnd.ms-works"
    assert media_type(tiny_doc("x"), "http://x/download?id=1") == "application/x-ole-storage"
    assert media_type(b"  <!DOCTYPE html><html>") == "text/html"
    assert media_type(b"<?xml version='1.0'?><datastore/>") == "application/xml"
    assert media_type(b'{"articles": []}') == "application/json"
    assert media_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert media_type(b"{\\rtf1\\ansi}") == "application/rtf"
