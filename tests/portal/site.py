"""The mock portal's pages, built in memory. What is on it (and what a crawl must make of it):

Home (UTF-8) → hub 政府信息公开 → TRS column `/zwgk/zfxxgknb/` (createPageHTML, 3 pages) and a
department subsite `/bm/` → 交通局 Hanweb column (dataproxy.jsp POST, 50 records in two windows).
robots.txt disallows `/private/`, which the home page links to.

Reports (each is one line of reports.jsonl):
  2023 市政府  TRS detail, inline report + PDF attachment; also linked with tracking parameters
  2022 市政府  TRS detail, DOCX in <a> + PDF in a pdf.js viewer <iframe>; prev/next and related links outside
  2021 市政府  listing entry straight to a .doc
  2020 市政府  linked through a 301 redirect (and directly from the hub); GBK page (declared), PDF in <embed>
  2017 市政府  detail whose attachments fail: a huge streamed PDF (over the limit) and HTML served as .pdf
  2023 交通局  Hanweb detail, GBK without any declared charset, inline only
  2022 交通局  Hanweb detail, inline + DOCX attachment (one report, two representations)
  2021 交通局  second dataproxy window, entry straight to a PDF
  2016 统计局  inside the Beijing-style year folder "2016年政府信息公开年报" (`gknb2016/`, itself a listing),
               a detail page with the report inline
  2016 审计局  in the same folder, an entry straight to a PDF
The 2022 DOCX answers 503 once (retried with backoff).
Not reports: 2019 (404), 2018 (412 + $_ts), 2016 (soft 404: 200 "页面不存在"), 2015 (a redirect loop),
2014 (302 to a login page), 2013 (WZWS challenge: 200 + wzws_cid cookie), 2012 (加速乐: 521 + __jsluid
cookie and an obfuscated __jsl_clearance script), the year folder itself (a listing titled like a report),
the lookalikes 工作要点, 编制通知, 解读, 图解, a company 年报, a mirror copy on a non-official host;
a calendar trap under the column.
"""

from __future__ import annotations

import html

from govreports.demo.site import Page
from tests.portal.documents import tiny_doc, tiny_docx, tiny_pdf

CITY = "某某市人民政府"
DEPARTMENT = "某某市交通运输局"
STATISTICS = "某某市统计局"
AUDIT = "某某市审计局"
YEAR_FOLDER = "/zwgk/zfxxgknb/gknb2016/"
LOGIN = "/sso/login.html"
HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
HANWEB_TOTAL = 50


def report_title(body: str, year: int) -> str:
    return f"{body}{year}年政府信息公开工作年度报告"


def page(title: str, inner: str, charset: str | None = "utf-8", meta: str = "", declare: bool = True) -> Page:
    """An HTML page: header, navigation and footer around `inner`; `charset` None = no declaration at all."""
    encoding = charset or "gbk"
    head_charset = f'<meta charset="{charset}">' if (charset and declare) else ""
    text = (
        f"<!DOCTYPE html><html><head>{head_charset}<title>{html.escape(title)}</title>{meta}</head><body>"
        f'<div class="header">某某市人民政府门户网站</div><div class="nav"><a href="/">首页</a> '
        f'<a href="/news/">新闻中心</a></div>{inner}<div class="footer">主办：某某市人民政府办公室</div></body></html>'
    )
    content_type = f"text/html; charset={charset}" if (charset and declare) else "text/html"
    return Page(text.encode(encoding), content_type)


def inline_report(body: str, year: int) -> str:
    paragraphs = "".join(
        f"<h3>{heading}</h3><p>{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，"
        f"持续推进政务公开标准化规范化建设，主动公开政府信息{100 + index}条。</p>"
        for index, heading in enumerate(HEADINGS)
    )
    return paragraphs + "<table><tr><td>新收政府信息公开申请数量</td><td>3</td></tr></table>"


def detail(title: str, body_html: str, published: str, index_no: str, charset: str | None = "utf-8",
           declare: bool = True, outside: str = "") -> Page:
    meta = (f'<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="{published}">'
            '<meta name="SiteIDCode" content="4199000001"><meta name="ContentSource" content="市政府办公室">')
    header = (f'<table class="xxgk-head"><tr><td>索引号：{index_no}</td><td>发布机构：{CITY}办公室</td>'
              f"<td>发文日期：{published}</td></tr></table>")
    inner = f'{header}<h1>{html.escape(title)}</h1><div class="TRS_Editor">{body_html}</div>{outside}'
    return page(title, inner, charset, meta if declare or charset is None else "", declare)


def listing_items(entries: list[tuple[str, str, str]]) -> str:
    return "<ul class='list'>" + "".join(
        f'<li><a href="{href}" title="{html.escape(text)}">{html.escape(text)}</a><span>{date}</span></li>'
        for href, text, date in entries
    ) + "</ul>"


def trs_listing(entries: list[tuple[str, str, str]], current: int, count: int) -> Page:
    calendar = (
        '<div class="calendar"><a href="/zwgk/zfxxgknb/rl/2024-01.html">2024年1月</a></div>' if current == 0 else ""
    )
    script = f'<script>createPageHTML({count}, {current}, "index", "html");</script>'
    return page("政府信息公开年报", f"<h2>政府信息公开年报</h2>{listing_items(entries)}{calendar}{script}")


def calendar_page(month: str) -> Page:
    year, number = (int(part) for part in month.split("-"))
    previous = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
    following = f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
    links = "".join(
        f'<a href="/zwgk/zfxxgknb/rl/{m}.html">{m.replace("-", "年")}月</a> ' for m in (previous, following)
    )
    return page(f"日历 {month}", f'<div class="calendar">{month} 本月无信息 {links}</div>')


def hanweb_column() -> Page:
    proxy = ("/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=7&path=/&columnid=123&unitid=456"
             "&webname=%E4%BA%A4%E9%80%9A&permissiontype=0")
    script = (f'<div id="456"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]>'
              "</nextgroup><recordset></recordset></datastore></script></div>"
              '<script language="javascript" src="/module/web/jpage/jpage.js"></script>'
              "<script>var perpage = 15; var totalRecord = 50;</script>")
    return page(f"{DEPARTMENT}政府信息公开年报", f"<h2>政府信息公开年报</h2>{script}")


def hanweb_records() -> list[str]:
    """The 交通局 column's records, in order (50: three reports among work news)."""
    special = {
        0: ("/bm/jtj/art/2024/1/20/art_123_5001.html", report_title(DEPARTMENT, 2023), "2024-01-20"),
        1: ("/bm/jtj/art/2023/1/18/art_123_4001.html", report_title(DEPARTMENT, 2022), "2023-01-18"),
        47: ("/bm/jtj/art/2022/1/10/P020220110.pdf", report_title(DEPARTMENT, 2021), "2022-01-10"),
    }
    records = []
    for number in range(HANWEB_TOTAL):
        href, text, date = special.get(number, (f"/bm/jtj/art/2023/5/{number}/art_123_{number}.html",
                                                f"交通运输工作动态第{number}期", "2023-05-01"))
        records.append(listing_items([(href, text, date)])[len("<ul class='list'>") : -len("</ul>")])
    return records


def hanweb_window(start: int, end: int) -> Page:
    chosen = hanweb_records()[start - 1 : end]
    records = "".join(f"<record><![CDATA[{record}]]></record>" for record in chosen)
    xml = f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{HANWEB_TOTAL}</totalrecord>' \
          f"<recordset>{records}</recordset></datastore>"
    return Page(xml.encode("utf-8"), "text/xml; charset=UTF-8")


def challenge_pages() -> dict[str, Page]:
    """Report links answered by a login page and by the WZWS and 加速乐 (jsl) anti-bot challenges."""
    wzws = (b"<html><head><script>var wzwsquestion=\"Q7ZP\";var wzwsfactor=\"6142\";var wzwsmethod=\"post\";"
            b"var wzwsparams=\"\";var dynamicurl=\"/WZWSREL3p3Z2svemZ4eGdrbmI=\";</script>"
            b"<script src='/wzwsjs/wzws.js'></script></head><body></body></html>")
    jsl = (b"<html><body><script>document.cookie=('_')+('_j')+('sl_clearance=1700000000.123|0|')+"
           b"(function(){return 'abc'})()+';max-age=3600;path=/';location.href=location.pathname+location.search"
           b"</script></body></html>")
    login = page("用户登录", '<form action="/sso/auth" method="post"><input name="username"> '
                 '<input type="password" name="password"><button>登录</button></form>')
    return {
        "/zwgk/zfxxgknb/201501/t20150110_200.html": Page(b"", status=302, headers={
            "Location": f"{LOGIN}?service=/zwgk/zfxxgknb/201501/t20150110_200.html"}),
        LOGIN: login,
        "/zwgk/zfxxgknb/201401/t20140110_150.html": Page(wzws, headers={"Set-Cookie": "wzws_cid=5f1e2d; path=/"}),
        "/zwgk/zfxxgknb/201301/t20130110_100.html": Page(jsl, status=521, headers={
            "Set-Cookie": "__jsluid_h=0c4f1d9e; max-age=31536000; path=/; HttpOnly"}),
    }


def year_folder_pages() -> dict[str, Page]:
    """A Beijing-style year folder: a link titled like a report that leads to a listing of reports."""
    return {
        YEAR_FOLDER: page("2016年政府信息公开年报", "<h2>2016年政府信息公开年报</h2>" + listing_items([
            ("t20170115_100.html", report_title(STATISTICS, 2016), "2017-01-15"),
            ("P020170116.pdf", report_title(AUDIT, 2016), "2017-01-16"),
        ])),
        f"{YEAR_FOLDER}t20170115_100.html": detail(
            report_title(STATISTICS, 2016), inline_report(STATISTICS, 2016), "2017-01-15",
            "11410000MB2222222X/2017-00001"),
        f"{YEAR_FOLDER}P020170116.pdf": Page(tiny_pdf("Report 2016 audit"), "application/pdf"),
    }


def build_site() -> dict[str, Page]:
    """Every static page of the portal by path (dynamic ones — dataproxy, calendar, huge file — are in server.py)."""
    pdf_2023 = tiny_pdf("Report 2023 city")
    site: dict[str, Page] = {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/": page("某某市人民政府", '<a href="/zwgk/">政府信息公开</a> <a href="/private/zfxxgknb/">内部年报</a> '
                  '<a href="/news/">新闻中心</a>'),
        "/zwgk/": page("政府信息公开", '<a href="/zwgk/zfxxgknb/">政府信息公开年报</a> <a href="/bm/">部门信息公开</a> '
                       '<a href="/zwgk/zn.html">政府信息公开指南</a> '
                       f'<a href="/zwgk/zfxxgknb/202101/t20210110_700.html">{report_title(CITY, 2020)}</a>'),
        "/bm/": page("部门信息公开", f'<a href="/bm/jtj/col/col123/index.html">{DEPARTMENT}政府信息公开年报</a>'),
        "/bm/jtj/col/col123/index.html": hanweb_column(),
        "/zwgk/zfxxgknb/": trs_listing([
            ("/zwgk/zfxxgknb/202401/t20240119_1001.html", report_title(CITY, 2023), "2024-01-19"),
            ("/zwgk/zfxxgknb/202401/t20240110_1000.html", "某某市2024年政务公开工作要点", "2024-01-10"),
            ("/zwgk/zfxxgknb/202312/t20231201_990.html", "关于做好2023年政府信息公开工作年度报告编制工作的通知",
             "2023-12-01"),
            ("/zwgk/zfxxgknb/202401/t20240120_1002.html", "某某市2023年政府信息公开工作年度报告解读", "2024-01-20"),
            ("/zwgk/zfxxgknb/202401/t20240121_1003.html", "图解：某某市2023年政府信息公开工作年度报告", "2024-01-21"),
            ("http://mirror.example.com/copy/2023.html", "某某市人民政府2023年政府信息公开工作年度报告（转载）",
             "2024-02-01"),
            (YEAR_FOLDER, "2016年政府信息公开年报", "2017-02-01"),
        ], 0, 3),
        "/zwgk/zfxxgknb/index_1.html": trs_listing([
            ("/zwgk/zfxxgknb/202401/t20240119_1001.html?utm_source=wechat&spm=a1.b2", report_title(CITY, 2023),
             "2024-01-19"),
            ("/zwgk/zfxxgknb/202301/t20230120_901.html", report_title(CITY, 2022), "2023-01-20"),
            ("/zwgk/zfxxgknb/202305/t20230510_950.html", "某某投资集团有限公司2023年年度报告", "2023-05-10"),
        ], 1, 3),
        "/zwgk/zfxxgknb/index_2.html": trs_listing([
            ("/zwgk/zfxxgknb/202201/P020220115.doc", report_title(CITY, 2021), "2022-01-15"),
            ("/old/report2020.html", report_title(CITY, 2020), "2021-01-10"),
            ("/zwgk/zfxxgknb/202001/t20200110_600.html", report_title(CITY, 2019), "2020-01-10"),
            ("/zwgk/zfxxgknb/201901/t20190110_500.html", report_title(CITY, 2018), "2019-01-10"),
            ("/zwgk/zfxxgknb/201801/t20180110_400.html", report_title(CITY, 2017), "2018-01-10"),
            ("/zwgk/zfxxgknb/201701/t20170110_300.html", report_title(CITY, 2016), "2017-01-10"),
            ("/loop/a.html", report_title(CITY, 2015), "2016-01-10"),
            ("/zwgk/zfxxgknb/201501/t20150110_200.html", report_title(CITY, 2014), "2015-01-10"),
            ("/zwgk/zfxxgknb/201401/t20140110_150.html", report_title(CITY, 2013), "2014-01-10"),
            ("/zwgk/zfxxgknb/201301/t20130110_100.html", report_title(CITY, 2012), "2013-01-10"),
        ], 2, 3),
        "/zwgk/zfxxgknb/202401/t20240119_1001.html": detail(
            report_title(CITY, 2023),
            inline_report(CITY, 2023) + '<p>附件：<a href="/zwgk/zfxxgknb/202401/P020240119.pdf">报告.pdf</a></p>',
            "2024-01-19", "11410000MB0000000X/2024-00001",
        ),
        "/zwgk/zfxxgknb/202401/P020240119.pdf": Page(pdf_2023, "application/pdf"),
        "/zwgk/zfxxgknb/202301/t20230120_901.html": detail(
            report_title(CITY, 2022),
            '<p>附件：<a href="P020230120.docx">报告全文.docx</a></p>'
            '<iframe src="/pdfjs/web/viewer.html?file=/zwgk/zfxxgknb/202301/P020230120.pdf"></iframe>',
            "2023-01-20", "11410000MB0000000X/2023-00001",
            outside='<div class="prevnext"><a href="/zwgk/zfxxgknb/202401/t20240119_1001.html">下一篇：'
                    f'{report_title(CITY, 2023)}</a></div><div class="related"><a href='
                    '"/zwgk/zfxxgknb/202401/P020240119.pdf">相关：2023年报告.pdf</a></div>',
        ),
        "/zwgk/zfxxgknb/202301/P020230120.docx": Page(
            tiny_docx(report_title(CITY, 2022), HEADINGS), "application/octet-stream"),
        "/zwgk/zfxxgknb/202301/P020230120.pdf": Page(tiny_pdf("Report 2022 city"), "application/pdf"),
        "/zwgk/zfxxgknb/202201/P020220115.doc": Page(tiny_doc("report 2021 city"), "application/msword"),
        "/loop/a.html": Page(b"", status=302, headers={"Location": "/loop/b.html"}),
        "/loop/b.html": Page(b"", status=302, headers={"Location": "/loop/a.html?from=loop"}),
        "/old/report2020.html": Page(b"", status=301, headers={"Location": "/zwgk/zfxxgknb/202101/t20210110_700.html"}),
        "/zwgk/zfxxgknb/202101/t20210110_700.html": detail(
            report_title(CITY, 2020),
            '<p>报告全文见附件。</p><embed src="/zwgk/zfxxgknb/202101/P020210110.pdf" type="application/pdf">',
            "2021-01-10", "11410000MB0000000X/2021-00001", charset="gbk",
        ),
        "/zwgk/zfxxgknb/202101/P020210110.pdf": Page(tiny_pdf("Report 2020 city"), "application/pdf"),
        "/zwgk/zfxxgknb/201901/t20190110_500.html": Page(
            b"<html><head><meta r='m'><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1234;</script>"
            b"<script src='/abc/xyz.js' r='m'></script></head><body></body></html>", status=412),
        "/zwgk/zfxxgknb/201801/t20180110_400.html": detail(
            report_title(CITY, 2017),
            '<p><a href="/files/huge-2017.pdf">2017年报告（大文件）.pdf</a></p>'
            '<p><a href="/zwgk/zfxxgknb/201801/P020180110.pdf">2017年报告.pdf</a></p>',
            "2018-01-10", "11410000MB0000000X/2018-00001",
        ),
        "/zwgk/zfxxgknb/201801/P020180110.pdf": page("文件不存在", "<p>对不起，您访问的文件已被移除。</p>"),
        "/zwgk/zfxxgknb/201701/t20170110_300.html": page("页面不存在", "<p>对不起，您访问的页面不存在！</p>"),
        "/bm/jtj/art/2024/1/20/art_123_5001.html": detail(
            report_title(DEPARTMENT, 2023), inline_report(DEPARTMENT, 2023), "2024-01-20",
            "11410000MB1111111X/2024-00002", charset=None,
        ),
        "/bm/jtj/art/2023/1/18/art_123_4001.html": detail(
            report_title(DEPARTMENT, 2022),
            inline_report(DEPARTMENT, 2022) + '<p><a href="/bm/jtj/art/2023/1/18/P020230118.docx">附件</a></p>',
            "2023-01-18", "11410000MB1111111X/2023-00002",
        ),
        "/bm/jtj/art/2023/1/18/P020230118.docx": Page(
            tiny_docx(report_title(DEPARTMENT, 2022), HEADINGS),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "/bm/jtj/art/2022/1/10/P020220110.pdf": Page(tiny_pdf("Report 2021 transport"), "application/pdf"),
        **challenge_pages(),
        **year_folder_pages(),
    }
    return site
