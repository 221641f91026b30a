"""The PDF ruled-table fallback (pdfplumber, ~50 ms a page) has limits of its own: it reads only the pages whose
text names the statistics tables, at most `table_fallback_pages` of them, and stops once `table_fallback_seconds`
have passed; every cut is a `table_fallback_limit` warning naming the pages left unread, never silent."""

import random

import pypdfium2 as pdfium
import pytest

from extract.document import Document, Line
from extract.limits import Limits
from extract.pipeline import extract_bytes
from extract.readers.pdf import read_pdf
from extract.table_fallback import read_tables, table_pages
from extract.template import load_template
from tests.generate import (
    cell_mismatches,
    joined_pdfs,
    make_report,
    numbers_lost,
    padding_docx,
    render_docx,
    render_pdfs,
)

PADDING_PAGES = 12


@pytest.fixture(scope="module")
def padded():
    """A report's PDF after PADDING_PAGES pages of unrelated ruled tables (one LibreOffice call)."""
    report = make_report(random.Random(11))
    report_pdf, padding_pdf = render_pdfs([render_docx(report), padding_docx(PADDING_PAGES)])
    pdf = joined_pdfs(padding_pdf, report_pdf)
    assert len(pdfium.PdfDocument(padding_pdf)) == PADDING_PAGES
    report_pages = set(range(PADDING_PAGES + 1, len(pdfium.PdfDocument(pdf)) + 1))
    return report, pdf, report_pages


def _warnings(record: dict, code: str) -> list[dict]:
    return [warning for warning in record["warnings"] if warning["code"] == code]


def test_only_the_pages_whose_text_names_the_tables_are_read_as_tables(padded):
    report, pdf, report_pages = padded
    broken = numbers_lost(read_pdf(pdf))
    result = extract_bytes(pdf, {"path": "padded.pdf"}, Limits(), document=broken)
    assert result["method"] == "pdf-tables"
    assert cell_mismatches(result, report) == {}
    note = _warnings(result, "pdf_tables")[0]
    assert note["cells_text_layer"] < 200 and note["cells_tables"] == 200
    assert set(note["pages_read"]) == report_pages
    assert _warnings(result, "table_fallback_limit") == []


def test_the_page_limit_reads_the_pages_naming_most_labels_and_warns_of_the_rest(padded):
    _, pdf, report_pages = padded
    broken = numbers_lost(read_pdf(pdf))
    result = extract_bytes(pdf, {"path": "padded.pdf"}, Limits(table_fallback_pages=1), document=broken)
    read = _warnings(result, "pdf_tables")[0]["pages_read"]
    limit = _warnings(result, "table_fallback_limit")
    assert len(read) == 1 and set(read) <= report_pages
    assert len(limit) == 1 and limit[0]["limit"] == "pages"
    assert set(limit[0]["pages_unread"]) == set(table_pages(broken, load_template("2021"))) - set(read)
    assert "GOVREPORTS_TABLE_FALLBACK_PAGES" in limit[0]["message"]


def test_the_time_budget_stops_the_read_between_pages_and_warns(padded):
    _, pdf, _ = padded
    broken = numbers_lost(read_pdf(pdf))
    result = extract_bytes(pdf, {"path": "padded.pdf"}, Limits(table_fallback_seconds=1e-9), document=broken)
    read = _warnings(result, "pdf_tables")[0]["pages_read"]
    limit = _warnings(result, "table_fallback_limit")
    wanted = sorted(table_pages(broken, load_template("2021")))
    assert len(wanted) > 1
    assert read == wanted[:1]
    assert len(limit) == 1 and limit[0]["limit"] == "time"
    assert limit[0]["pages_unread"] == wanted[1:]
    assert "GOVREPORTS_TABLE_FALLBACK_SECONDS" in limit[0]["message"]


def test_a_pdf_whose_text_names_no_table_has_only_its_first_pages_read(padded):
    _, pdf, _ = padded
    garbled = read_pdf(pdf)
    garbled.lines = [Line("\ue000\ue001 " * 5, line.page) for line in garbled.lines]  # a broken ToUnicode map
    read = read_tables(pdf, garbled, load_template("2021"), Limits(table_fallback_pages=4))
    assert read.pages_read == [1, 2, 3, 4]
    assert len(read.grids) == 4  # one padding table a page
    [limit] = read.warnings
    assert limit["limit"] == "pages" and limit["pages_unread"] == list(range(5, garbled.pages + 1))
    assert "no page's text names a statistics table" in limit["message"]


def test_table_pages_rank_the_tables_above_prose_that_mentions_a_label():
    lines = [
        Line("全年未发生因信息公开引发的行政复议。", 1),
        Line("三、收到和处理政府信息公开申请情况", 2),
        Line("自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计", 2),
        Line("一、本年新收政府信息公开申请数量", 2),
        Line("道路养护工程进度统计", 3),
    ]
    ranked = table_pages(Document("application/pdf", "pdf-text", lines=lines, pages=3), load_template("2021"))
    assert ranked == [2, 1]


def test_the_fallback_limits_are_settings():
    limits = Limits.from_env({"GOVREPORTS_TABLE_FALLBACK_PAGES": "3", "GOVREPORTS_TABLE_FALLBACK_SECONDS": "2.5"})
    assert limits.table_fallback_pages == 3 and limits.table_fallback_seconds == 2.5
    assert Limits().table_fallback_pages >= 6 and Limits().table_fallback_seconds >= 5
