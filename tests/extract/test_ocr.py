"""OCR of a generated scanned report: both engines read the pages, lines keep table rows, the record says OCR."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from extract.detect import PDF, detect
from extract.errors import ReadError
from extract.ocr_arbitrate import arbitrate
from extract.pipeline import extract_bytes, extract_path
from extract.readers.ocr import OcrDocument, boxes_to_lines, mend_table_digits, read_image, read_pdf
from extract.tables import parse_tables
from extract.template import load_template
from tests.extract.scanned_report import degrade, format_value, random_values, render_report, to_pdf, to_png

TEMPLATE = load_template("2021")
DPI = 200


@pytest.fixture(scope="module")
def scanned():
    """Two scanned pages holding all three tables (200 cells), with slight rotation and specks."""
    rng = random.Random(20231)
    values = random_values(TEMPLATE, rng)
    pages = [degrade(page, rng) for page in render_report(values, dpi=DPI)[:2]]
    return values, pages


@pytest.fixture(scope="module")
def scanned_pdf(scanned):
    values, pages = scanned
    data = to_pdf(pages, DPI)
    return values, data, read_pdf(data)


def row_values(values: dict, table: str) -> list[list[str]]:
    """The numbers of each row of a table as printed."""
    spec = TEMPLATE.tables[table]
    return [[format_value(values[(table, row.label, col.label)]) for col in spec.cols] for row in spec.rows]


def rows_found(rows: list[list[str]], lines: list[str]) -> float:
    """Share of table rows whose numbers end some OCR line, in order."""
    tails = [line.split() for line in lines]
    found = sum(any(tail[-len(row) :] == row for tail in tails) for row in rows)
    return found / len(rows)


def test_a_scanned_pdf_is_read_by_both_engines_and_says_ocr(scanned_pdf):
    _, data, doc = scanned_pdf
    assert detect(data) == PDF
    assert isinstance(doc, OcrDocument)
    assert doc.ocr and doc.method == "ocr" and doc.pages == 2
    assert [r.engine for r in doc.readings] == ["rapidocr", "tesseract"]
    for reading in doc.readings:
        assert reading.document.ocr and reading.document.method == "ocr"
        assert {line.page for line in reading.document.lines} == {1, 2}
        assert any("2023年政府信息公开工作" in line.text for line in reading.document.lines)


def test_table_rows_come_out_as_lines_of_label_and_numbers(scanned_pdf):
    values, _, doc = scanned_pdf
    rows = row_values(values, "applications")
    shares = {r.engine: rows_found(rows, [line.text for line in r.document.lines]) for r in doc.readings}
    print(f"applications rows read whole: {shares}")
    assert shares["rapidocr"] >= 0.9
    assert shares["tesseract"] >= 0.6


def test_a_png_page_is_read_like_a_scanned_pdf_page(scanned):
    values, pages = scanned
    doc = read_image(to_png(pages[0]), media_type=None)
    assert doc.ocr and doc.pages == 1
    fee = next(k for k in values if k[0] == "art20" and "收费" in k[2])
    assert any(line.text.split()[-1:] == [format_value(values[fee])] for line in doc.lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("规章 0 和 0", "规章 0 0 0"),
        ("4.无正当理由大量反复申请 0 了 0 9 0 5 21", "4.无正当理由大量反复申请 0 7 0 9 0 5 21"),
        ("(七) 总计 973 ”2048 ”582 689 674 l114 6080", "(七) 总计 973 2048 582 689 674 1114 6080"),
        ("3.其他 0 0 218 0 292 316. 826", "3.其他 0 0 218 0 292 316 826"),
        ("行政事业性收费 1O.S", "行政事业性收费 10.5"),
        ("一、本年新收 645 780 .955 56 600 722 3758", "一、本年新收 645 780 955 56 600 722 3758"),
        ("0 9 1 4 14 0 0 20- 0 20", "0 9 1 4 14 0 0 20 0 20"),
        ("行政许可 - 0", "行政许可 - 0"),
        ("3.其他 0 . 218 ” 0", "3.其他 0 218 0"),
    ],
)
def test_digit_misreads_are_mended_in_a_rows_numbers(line, expected):
    assert mend_table_digits(line) == expected


@pytest.mark.parametrize(
    "line",
    ["二、收到和处理政府信息公开申请情况", "本机关2023年度未收取信息处理费。", "和 O", "申请人情况 l I"],
)
def test_prose_and_labels_are_never_mended(line):
    assert mend_table_digits(line) == line


def test_boxes_on_one_row_join_and_wrapped_label_lines_stay_apart():
    def box(x0, y0, x1, y1, text):
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float), text

    boxes = [
        box(100, 541, 400, 574, "（二）部分公开（区分处理的，只计这"),
        box(500, 559, 520, 591, "0"),
        box(600, 560, 640, 592, "27"),
        box(100, 577, 380, 608, "一情形，不计其他情形)"),
        box(100, 620, 300, 652, "1.属于国家秘密"),
        box(600, 622, 620, 655, "9"),
        box(500, 621, 520, 653, "8"),
    ]
    assert boxes_to_lines(boxes) == [
        "（二）部分公开（区分处理的，只计这",
        "0 27",
        "一情形，不计其他情形)",
        "1.属于国家秘密 8 9",
    ]


def cell_key(cell: dict) -> tuple:
    return (cell["table"], cell["row"], cell["col"])


def silently_wrong(cells: list[dict], values: dict) -> list[dict]:
    return [c for c in cells if c["value"] != values[cell_key(c)] and not c["uncertain"]]


def test_the_record_of_a_scanned_pdf_says_ocr_and_no_cell_is_silently_wrong(scanned_pdf):
    values, data, doc = scanned_pdf
    record = extract_bytes(data, {"path": "scan.pdf"}, document=doc)
    assert record["ocr"] is True and record["method"] == "ocr"
    assert record["template"] == "2021" and record["year"] == 2023
    assert all(cell["method"] == "ocr" for cell in record["cells"])
    assert silently_wrong(record["cells"], values) == []
    right = sum(cell["value"] == values[cell_key(cell)] for cell in record["cells"])
    uncertain = sum(cell["uncertain"] for cell in record["cells"])
    print(f"cells right after arbitration: {right}/{len(values)}, uncertain: {uncertain}")
    assert right >= 0.95 * len(values)


def test_one_engine_alone_is_held_to_the_identities_too(scanned_pdf):
    """Tesseract alone misreads and shifts cells; every value it gets wrong must come out uncertain."""
    values, _, doc = scanned_pdf
    tesseract = next(r.document for r in doc.readings if r.engine == "tesseract")
    cells = parse_tables(tesseract, TEMPLATE).cells
    result = arbitrate({"tesseract": cells}, "2021")
    assert silently_wrong(result.cells, values) == []
    right = sum(cell["value"] == values[cell_key(cell)] for cell in cells)
    confirmed = sum(not cell["uncertain"] for cell in result.cells)
    print(f"tesseract alone: {right}/{len(values)} right, {confirmed} confirmed by identities")
    assert confirmed > 0


def test_a_truncated_image_is_a_clean_error_record(scanned):
    _, pages = scanned
    data = to_png(pages[0])[:5000]
    record = extract_bytes(data, {"path": "broken.png"})
    assert record["cells"] == []
    assert [e["code"] for e in record["errors"]] == ["ocr_failed"]
    assert "image" in record["errors"][0]["message"]


def test_a_scan_with_more_pages_than_the_ocr_limit_is_refused_before_any_ocr(scanned, monkeypatch):
    _, pages = scanned
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=[pages[1], pages[0]])
    monkeypatch.setenv("GOVREPORTS_MAX_OCR_PAGES", "2")
    with pytest.raises(ReadError) as caught:
        read_image(buffer.getvalue())
    assert caught.value.code == "too_many_pages"
    assert "3 pages" in caught.value.message


def test_with_one_engine_missing_the_other_reads_and_the_document_says_so(scanned, monkeypatch):
    _, pages = scanned
    monkeypatch.setenv("PATH", "/nonexistent")
    small = pages[1].crop((0, 0, pages[1].width, pages[1].height // 4))
    doc = read_image(to_png(small))
    assert [r.engine for r in doc.readings] == ["rapidocr"]
    assert any("tesseract unavailable" in w for w in doc.warnings)
    assert doc.lines


def test_a_scanned_pdf_file_goes_from_the_pdf_reader_to_ocr(scanned, tmp_path):
    """Through the whole dispatch: content detection, the PDF reader finding no text layer, OCR, the record."""
    _, pages = scanned
    top = pages[0].crop((0, 0, pages[0].width, pages[0].height // 3))
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(to_pdf([top], DPI))
    record = extract_path(str(path))
    assert record["errors"] == []
    assert record["source"]["path"] == str(path) and record["source"]["media_type"] == PDF
    assert record["ocr"] is True and record["method"] == "ocr" and record["pages"] == 1
    assert "总体情况" in record["text"]


def test_a_skewed_row_without_ruling_lines_stays_on_one_line():
    """1.5° of skew across a row: the last number sits 36 px lower than the label, more than a text height."""
    slope = np.tan(np.radians(1.5))

    def box(x0, x1, y0, text, height=33):
        corners = [(x0, y0), (x1, y0), (x1, y0 + height), (x0, y0 + height)]
        return np.array([(x, y + slope * x) for x, y in corners], dtype=float), text

    row = [box(100, 400, 500, "一、本年新收政府信息公开申请数量")]
    row += [box(600 + 150 * i, 640 + 150 * i, 500, str(i)) for i in range(7)]
    next_row = [box(100, 400, 550, "二、上年结转政府信息公开申请数量")]
    next_row += [box(600 + 150 * i, 640 + 150 * i, 550, str(10 + i)) for i in range(7)]
    assert boxes_to_lines(row + next_row) == [
        "一、本年新收政府信息公开申请数量 0 1 2 3 4 5 6",
        "二、上年结转政府信息公开申请数量 10 11 12 13 14 15 16",
    ]
