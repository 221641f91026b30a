"""Text PDFs made from Word by LibreOffice read back line by line, with page numbers and without running
headers/footers, and every cell parses back exactly through the pipeline; violations are reported."""

import io
import random

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extract.errors import ReadError
from extract.pipeline import extract_bytes, extract_document
from extract.readers import ocr
from extract.readers import pdf as pdf_reader
from extract.readers.pdf import read_pdf
from tests.generate import cell_mismatches, failing_rules, layouts, make_report, render_docx, render_pdfs, reports

# Each example is one LibreOffice call converting a batch of three reports.
BATCHES = settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@BATCHES
@given(batch=st.lists(reports(template_id=None), min_size=3, max_size=3), running_header=st.booleans())
def test_every_pdf_cell_parses_back_and_violations_are_reported_not_corrected(batch, running_header):
    pdfs = render_pdfs([render_docx(report, running_header=running_header) for report in batch])
    for report, pdf in zip(batch, pdfs, strict=True):
        record = extract_bytes(pdf, {"path": "generated.pdf"})
        assert record["errors"] == []
        assert record["method"] == "pdf-text"
        assert cell_mismatches(record, report) == {}
        assert failing_rules(record) == set(report.violated)


@pytest.fixture(scope="module")
def furnished():
    report = make_report(random.Random(21))
    return report, render_pdfs([render_docx(report, running_header=True)])[0]


def test_running_headers_and_page_numbers_are_dropped_and_lines_know_their_page(furnished):
    report, pdf = furnished
    document = read_pdf(pdf)
    assert document.pages >= 2
    assert not [line.text for line in document.lines if "专栏" in line.text or line.text.startswith("- ")]
    assert {line.page for line in document.lines} == set(range(1, document.pages + 1))
    assert document.lines[0].text.replace(" ", "") == report.title


def test_numbers_of_adjacent_cells_stay_apart_on_the_row_line(furnished):
    report, pdf = furnished
    text = read_pdf(pdf).text
    table = report.template.tables["applications"]
    for row in table.rows:
        values = " ".join(report.text_of(("applications", row.label, col.label)) for col in table.cols)
        assert values in text, row.label


def test_a_page_read_through_pypdfium2s_helpers_gets_the_lines_of_the_raw_path(furnished):
    # the path of the rare page whose text does not index its characters one to one (non-BMP characters)
    _, pdf = furnished
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            assert pdf_reader._lines_through_helpers(document, index) == pdf_reader._page_lines(document, index)
    finally:
        document.close()


def test_pdfplumber_fallback_reads_the_ruled_tables_as_grids(furnished):
    report, pdf = furnished
    grids = read_pdf(pdf, tables=True).tables
    review = layouts(report)[-1].expected_grid()
    assert any(grid.rows == review for grid in grids)
    first_rows = layouts(report)[1].expected_grid()[:5]
    assert any(grid.rows[:5] == first_rows for grid in grids)


def _with_image_page(pdf: bytes, index: int) -> bytes:
    """The PDF with page `index` replaced by a picture of itself (a table pasted as an image)."""
    source = pdfium.PdfDocument(pdf)
    page = source[index]
    width, height = page.get_size()
    picture = io.BytesIO()
    page.render(scale=200 / 72).to_pil().convert("RGB").save(picture, format="JPEG", quality=90)
    picture.seek(0)
    out = pdfium.PdfDocument.new()
    out.import_pages(source, list(range(index)))
    scanned = out.new_page(width, height)
    image = pdfium.PdfImage.new(out)
    image.load_jpeg(picture, inline=True)
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    scanned.insert_obj(image)
    scanned.gen_content()
    out.import_pages(source, list(range(index + 1, len(source))))
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def test_an_image_only_page_of_a_text_pdf_is_read_by_ocr_and_no_ocr_cell_is_silently_wrong(furnished):
    report, pdf = furnished
    document = read_pdf(_with_image_page(pdf, 1))
    assert document.ocr
    assert [w for w in document.warnings if "page(s) 2" in w]
    assert [line for line in document.lines if line.page == 2]
    record = extract_document(document, {"path": "mixed.pdf"})
    found = {(c["table"], c["row"], c["col"]): c for c in record["cells"]}
    wrong = cell_mismatches(record, report)
    assert len(found) == 200
    assert all(found[key]["uncertain"] for key in wrong if key in found)
    assert len(wrong) <= 10


def test_an_image_only_page_of_a_text_pdf_gets_one_reading_per_engine_and_its_cells_are_arbitrated(furnished):
    _, pdf = furnished
    document = read_pdf(_with_image_page(pdf, 1))
    assert [reading.engine for reading in document.readings] == ["rapidocr", "tesseract"]
    assert document.ocr_pages == {2}
    text_pages = [[line for line in r.document.lines if line.page != 2] for r in document.readings]
    assert text_pages[0] == text_pages[1] == [line for line in document.lines if line.page != 2]
    assert [[line.text for line in r.document.lines if line.page == 2] for r in document.readings] != [[], []]
    record = extract_document(document, {"path": "mixed.pdf"})
    by_page = {(c["page"] == 2, c["method"]) for c in record["cells"]}
    assert by_page == {(True, "ocr"), (False, "pdf-text")}
    plain = {(c["table"], c["row"], c["col"]): c for c in extract_document(read_pdf(pdf), {"path": "p.pdf"})["cells"]}
    text_cells = [(c, plain[(c["table"], c["row"], c["col"])]) for c in record["cells"] if c["page"] != 2]
    assert text_cells and [c for c, p in text_cells if c["value"] != p["value"]] == []
    # as the text layer parsed them, except a row whose label OCR read on page 2 and whose numbers run onto page 3
    assert [c for c, p in text_cells if c != p and c["label_raw"] == p["label_raw"]] == []
    assert not [w for w in record["warnings"] if w["code"] == "ocr_uncertain" and
                any(c["page"] != 2 for c in record["cells"] if (c["table"], c["row"], c["col"]) ==
                    (w["table"], w["row"], w["col"]))]


def test_an_image_only_page_ocr_fails_on_is_a_warning_and_the_text_pages_are_kept(furnished, monkeypatch):
    def failing(*_args, **_kwargs):
        raise ReadError("ocr_failed", "Tesseract failed: simulated")

    monkeypatch.setattr(ocr, "read_image", failing)
    _, pdf = furnished
    document = read_pdf(_with_image_page(pdf, 1))
    assert [w for w in document.warnings if "page 2" in w and "OCR failed" in w and "simulated" in w]
    assert not document.ocr and not [line for line in document.lines if line.page == 2]
    plain = read_pdf(pdf)
    assert [line for line in document.lines if line.page != 2] == [line for line in plain.lines if line.page != 2]
