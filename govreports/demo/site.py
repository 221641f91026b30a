"""The demo portal's pages, built in memory from the sample reports (see documents.py).

示范市人民政府's portal: home → 政府信息公开 hub → the TRS-style annual-report column `/xxgk/zfxxgknb/`
(createPageHTML, two pages). What is on it, and what the pipeline must make of it:

  three sample reports          inline HTML (UTF-8) · GBK page + PDF · 301 redirect → page + DOCX
  three generated reports       DOC straight from the listing · inline, GBK without any declaration · scan
  three bad files               truncated PDF · DOCX that is not a ZIP · empty PDF (recorded as errors)
  the nasty parts               a tracking-parameter duplicate link, a broken link (404), an anti-bot
                                challenge page (412 + $_ts), a lookalike (解读), robots.txt

`DEMO_REPORTS` lists every report with what the archive must hold for it; the tests read it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from govreports.demo.documents import (
    SampleText,
    article_html,
    bad_files,
    convert,
    render_docx,
    sample_texts,
    scanned_pdf,
)

CITY = "示范市人民政府"
COLUMN = "/xxgk/zfxxgknb/"


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoReport:
    """One report of the demo portal: where it is, in which form, and whether its cells must be archived."""

    key: str
    form: str  # html, html-gbk-undeclared, pdf, docx, doc, scan, or a bad file's name
    sample: str  # name of the sample report whose text (and numbers) it carries
    body: str | None  # None: the sample's own body and year
    year: int | None
    published: str
    readable: bool = True  # False: a bad file, to be recorded with an error

    def text(self, samples: dict[str, SampleText]) -> SampleText:
        sample = samples[self.sample]
        if self.body is None:
            return sample
        return sample.retitled(self.body, self.year, *SAMPLE_BODIES[self.sample])


SAMPLE_BODIES = {
    "000_db66c7502a480a75": ("党政办公室", 2023),
    "001_cad4fa3e014eb2f3": ("城乡一体化示范区党政办公室", 2023),
    "002_350fbfc8d48350cb": ("高新技术产业开发区管理办公室", 2023),
}
DEMO_REPORTS = (
    DemoReport("t20240115_101", "html", "000_db66c7502a480a75", None, None, "2024-01-15"),
    DemoReport("t20240116_102", "pdf", "001_cad4fa3e014eb2f3", None, None, "2024-01-16"),
    DemoReport("t20240117_103", "docx", "002_350fbfc8d48350cb", None, None, "2024-01-17"),
    DemoReport("t20230110_201", "doc", "000_db66c7502a480a75", "示范市财政局", 2022, "2023-01-10"),
    DemoReport("t20230111_202", "html-gbk-undeclared", "001_cad4fa3e014eb2f3", "示范市教育局", 2022, "2023-01-11"),
    DemoReport("t20230112_203", "scan", "002_350fbfc8d48350cb", "示范市卫生健康委员会", 2022, "2023-01-12"),
    DemoReport("t20230113_301", "truncated.pdf", "000_db66c7502a480a75", "示范市水利局", 2022, "2023-01-13", False),
    DemoReport("t20230114_302", "not-a-zip.docx", "001_cad4fa3e014eb2f3", "示范市民政局", 2022, "2023-01-14", False),
    DemoReport("t20230115_303", "empty.pdf", "002_350fbfc8d48350cb", "示范市审计局", 2022, "2023-01-15", False),
)


def page(title: str, inner: str, charset: str = "utf-8", declare: bool = True) -> Page:
    """A portal page: header, navigation and footer around `inner`."""
    head_charset = f'<meta charset="{charset}">' if declare else ""
    text = (
        f"<!DOCTYPE html><html><head>{head_charset}<title>{html.escape(title)}</title></head><body>"
        f'<div class="header">{CITY}门户网站</div><div class="nav"><a href="/">首页</a> '
        f'<a href="/xxgk/">政府信息公开</a></div>{inner}<div class="footer">主办：{CITY}办公室</div></body></html>'
    )
    return Page(text.encode(charset), f"text/html; charset={charset}" if declare else "text/html")


def detail(title: str, published: str, article: str, charset: str = "utf-8", declare: bool = True) -> Page:
    header = (f'<table class="xxgk-head"><tr><td>发布机构：{CITY}办公室</td><td>发文日期：{published}</td>'
              "</tr></table>")
    inner = f'{header}<h1>{html.escape(title)}</h1><div class="TRS_Editor">{article}</div>'
    return page(title, inner, charset, declare)


def listing(entries: list[tuple[str, str, str]], current: int, count: int) -> Page:
    items = "".join(
        f'<li><a href="{href}" title="{html.escape(text)}">{html.escape(text)}</a><span>{date}</span></li>'
        for href, text, date in entries
    )
    script = f'<script>createPageHTML({count}, {current}, "index", "html");</script>'
    return page("政府信息公开年报", f"<h2>政府信息公开年报</h2><ul class='list'>{items}</ul>{script}")


def _folder(report: DemoReport) -> str:
    return f"{COLUMN}{report.published[:7].replace('-', '')}/"


@dataclass(frozen=True)
class ExtraFile:
    """A report published only as an attachment, with any bytes (the tests serve the extractor's bad-input
    corpus this way): `name` is the attachment's file name, which also keys its URL."""

    title: str
    name: str
    data: bytes
    media_type: str = "application/octet-stream"
    published: str = "2023-01-31"


def build_site(cache: Path, reports: tuple[DemoReport, ...] = DEMO_REPORTS,
               extra: tuple[ExtraFile, ...] = ()) -> dict[str, Page]:
    """Every page and file of the demo portal by path; LibreOffice output is cached under `cache`.

    `reports` chooses which of DEMO_REPORTS are on it (the fault tests leave out the scan: OCR is slow);
    `extra` adds attachment-only reports after them.
    """
    samples = {sample.name: sample for sample in sample_texts()}
    texts = {report.key: report.text(samples) for report in reports}
    docx_files = {key: render_docx(text) for key, text in texts.items()}
    pdfs = convert({r.key: docx_files[r.key] for r in reports if r.form in ("pdf", "scan")}, "pdf", cache)
    docs = convert({r.key: docx_files[r.key] for r in reports if r.form == "doc"}, "doc", cache)
    bad = bad_files(next(iter(pdfs.values()), b"%PDF-1.4\n"), next(iter(docx_files.values())))
    site: dict[str, Page] = {}
    entries = []
    for report in reports:
        text = texts[report.key]
        folder = _folder(report)
        href = f"{folder}{report.key}.html"
        if report.form == "html":
            site[href] = detail(text.title, report.published, article_html(text))
        elif report.form == "html-gbk-undeclared":
            site[href] = detail(text.title, report.published, article_html(text), charset="gbk", declare=False)
        elif report.form == "doc":
            if report.key not in docs:
                continue
            href = f"{folder}P0{report.key}.doc"
            site[href] = Page(docs[report.key], "application/msword")
        else:
            extension = report.form.rsplit(".", 1)[-1] if "." in report.form else report.form
            extension = "pdf" if extension == "scan" else extension
            data = _attachment(report, docx_files, pdfs, bad)
            if data is None:
                continue
            file_href = f"{folder}P0{report.key}.{extension}"
            site[file_href] = Page(data, _MEDIA_TYPES[extension])
            charset = "gbk" if report.form == "pdf" else "utf-8"
            article = f'<p>报告全文见附件：<a href="{file_href}">{html.escape(text.title)}.{extension}</a></p>'
            site[href] = detail(text.title, report.published, article, charset=charset)
        if report.form == "docx":
            site[f"/old/{report.key}.html"] = Page(b"", status=301, headers={"Location": href})
            href = f"/old/{report.key}.html"
        entries.append((href, text.title, report.published))
    for number, item in enumerate(extra):
        href, file_href = f"{COLUMN}extra/t20230131_{900 + number}.html", f"{COLUMN}extra/{item.name}"
        site[file_href] = Page(item.data, item.media_type)
        article = f'<p>报告全文见附件：<a href="{file_href}">{html.escape(item.name)}</a></p>'
        site[href] = detail(item.title, item.published, article)
        entries.append((href, item.title, item.published))
    site.update(_furniture(entries))
    return site


_MEDIA_TYPES = {"pdf": "application/pdf",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _attachment(report: DemoReport, docx_files: dict, pdfs: dict, bad: dict) -> bytes | None:
    if not report.readable:
        return bad[report.form]
    if report.form == "docx":
        return docx_files[report.key]
    if report.form == "scan":
        return scanned_pdf(pdfs[report.key]) if report.key in pdfs else None
    return pdfs.get(report.key)


def _furniture(entries: list[tuple[str, str, str]]) -> dict[str, Page]:
    """Home, hub, robots.txt, the two listing pages with the nasty entries, the challenge page."""
    first, second = entries[:5], entries[5:]
    tracked = f"{entries[0][0]}?utm_source=wechat&spm=a1.b2"
    nasty_first = [
        (f"{COLUMN}202401/t20240118_104.html", "示范市2023年政府信息公开工作年度报告解读", "2024-01-18"),
        (f"{COLUMN}202201/t20220110_401.html", f"{CITY}2021年政府信息公开工作年度报告", "2022-01-10"),
    ]
    nasty_second = [
        (tracked, entries[0][1], entries[0][2]),
        (f"{COLUMN}202101/t20210110_402.html", f"{CITY}2020年政府信息公开工作年度报告", "2021-01-10"),
    ]
    return {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/": page(CITY, '<a href="/xxgk/">政府信息公开</a> <a href="/private/">内部</a>'),
        "/xxgk/": page("政府信息公开",
                       f'<a href="{COLUMN}">政府信息公开年报</a> <a href="/xxgk/zn.html">政府信息公开指南</a>'),
        "/xxgk/zn.html": page("政府信息公开指南", "<p>本指南说明如何申请政府信息公开。</p>"),
        COLUMN: listing(first + nasty_first, 0, 2),
        f"{COLUMN}index_1.html": listing(second + nasty_second, 1, 2),
        f"{COLUMN}202401/t20240118_104.html": detail("示范市2023年政府信息公开工作年度报告解读", "2024-01-18",
                                                      "<p>一图读懂年度报告。</p>"),
        f"{COLUMN}202101/t20210110_402.html": Page(
            b"<html><head><meta r='m'><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1234;</script>"
            b"<script src='/abc/xyz.js' r='m'></script></head><body></body></html>", status=412),
    }
