"""Media types are judged by content, never by file name; text encodings are detected, GB labels read as GB18030."""

import io
import random
import zipfile

import olefile
import pytest

from extract import detect as d
from extract.readers import office
from tests.generate import make_report, render_docx, render_html, render_xlsx

REPORT = make_report(random.Random(7))
PARAGRAPH = "本机关2023年共收到政府信息公开申请51件，均已按时答复。喆昇堃".encode("gb18030")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", d.EMPTY),
        (b"  \n\t ", d.EMPTY),
        (b"%PDF-1.7\n%...", d.PDF),
        (b"\n\n%PDF-1.4\n", d.PDF),
        (b"{\\rtf1\\ansi hello}", d.RTF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", d.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", d.PNG),
        (b"II*\x00\x08\x00", d.TIFF),
        ("<!DOCTYPE html><html><body>年度报告</body></html>".encode(), d.HTML),
        ("<html><head><meta charset=gbk></head><body>年度报告</body></html>".encode("gb18030"), d.HTML),
        (PARAGRAPH, d.TEXT),
        ("一、总体情况\n".encode("utf-16"), d.TEXT),
        (bytes(range(256)) * 4, d.UNKNOWN),
        (b"PK\x03\x04" + b"\x00" * 40, d.ZIP),
    ],
)
def test_media_type_is_judged_by_content(data, expected):
    assert d.detect(data) == expected


def test_docx_and_xlsx_are_told_apart_by_their_content_types():
    assert d.detect(render_docx(REPORT)) == d.DOCX
    assert d.detect(render_xlsx(REPORT)) == d.XLSX


def test_a_plain_zip_is_not_taken_for_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report.txt", "年度报告")
    assert d.detect(out.getvalue()) == d.ZIP


def test_a_truncated_docx_is_still_recognised_as_docx_so_its_reader_reports_the_damage():
    data = render_docx(REPORT)
    assert d.detect(data[: len(data) // 2]) == d.DOCX


def test_an_html_page_named_like_a_pdf_is_html():
    assert d.detect(render_html(REPORT)) == d.HTML


def test_any_gb_label_decodes_as_gb18030_so_gbk_only_characters_survive():
    for label in ("gb2312", "GBK", "x-gbk", "GB18030", "cp936"):
        decoded = d.decode(PARAGRAPH, declared=label)
        assert decoded.codec == "gb18030"
        assert decoded.text.endswith("喆昇堃")


def test_meta_charset_is_honoured():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>喆</html>'
    decoded = d.decode(page.encode("gb18030"))
    assert (decoded.codec, decoded.declared) == ("gb18030", "gb2312")
    assert "喆" in decoded.text


def test_undeclared_gbk_is_detected_not_guessed_from_a_name():
    decoded = d.decode(PARAGRAPH)
    assert decoded.codec == "gb18030"
    assert decoded.text.startswith("本机关2023年")


def test_a_page_that_lies_about_its_charset_is_decoded_by_its_bytes():
    page = '<html><head><meta charset="gbk"></head><body>政府信息公开工作年度报告</body></html>'.encode()
    decoded = d.decode(page)
    assert decoded.codec == "utf-8"
    assert "年度报告" in decoded.text


def test_utf8_bom_wins():
    decoded = d.decode("\ufeff年度报告".encode())
    assert (decoded.text, decoded.codec) == ("年度报告", "utf-8")


def test_ole2_documents_are_told_apart_by_their_streams(tmp_path):
    """DOC and XLS by stream name; a Word container whose property set names WPS is Kingsoft WPS."""
    doc = office.convert_files({"doc": (render_docx(REPORT), "docx")}, "doc", 120)["doc"]
    xls = office.convert_files({"xls": (render_xlsx(REPORT), "xlsx")}, "xls", 120)["xls"]
    assert (d.detect(doc), d.detect(xls)) == (d.DOC, d.XLS)
    path = tmp_path / "wps.bin"
    path.write_bytes(doc)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        summary = ole.openstream("\x05SummaryInformation").read()
        assert b"python-docx" in summary  # the author python-docx wrote, rewritten in place (same length)
        ole.write_stream("\x05SummaryInformation", summary.replace(b"python-docx", b"WPS Office "))
    assert d.detect(path.read_bytes()) == d.WPS
    assert d.detect(doc[: len(doc) // 2]) == d.OLE  # a damaged container: OLE2, kind unknown, no crash


@pytest.mark.parametrize("text", ["年度报告", "一、总体情况", "本年新收 3 件", "喆"])
def test_short_gbk_text_is_read_as_chinese_not_korean(text):
    decoded = d.decode(text.encode("gbk"))
    assert (decoded.text, decoded.codec) == (text, "gb18030")
