"""When the text layer of a 2021/2019 PDF parses incompletely, its ruled tables are read with pdfplumber,
the document parsed again, and the richer parse kept; the record says which read won."""

import random

import pytest

from extract.document import Document, Line
from extract.model import record
from extract.pipeline import extract_bytes
from extract.readers.pdf import read_pdf
from extract.table_fallback import choose, needs_table_read
from extract.values import is_value
from tests.generate import cell_mismatches, make_report, render_docx, render_pdfs

COLUMNS = 7  # table 三: six applicant columns and the total


@pytest.fixture(scope="module")
def generated():
    report = make_report(random.Random(7))
    return report, render_pdfs([render_docx(report)])[0]


def _column_order(document: Document) -> Document:
    """The document as a text layer that writes table 三 column by column: each row's label stays, its numbers
    move to the end of the table, one line per column (what a PDF whose runs were written column-wise gives)."""
    start = next(i for i, line in enumerate(document.lines) if line.text.startswith("三、收到和处理"))
    end = next(i for i, line in enumerate(document.lines) if line.text.startswith("四、"))
    rows: list[list[str]] = []
    lines = list(document.lines[:start])
    for line in document.lines[start:end]:
        tokens = line.text.split()
        if len(tokens) > COLUMNS and all(is_value(t) for t in tokens[-COLUMNS:]):
            rows.append(tokens[-COLUMNS:])
            lines.append(Line(" ".join(tokens[:-COLUMNS]), line.page))
        else:
            lines.append(line)
    page = document.lines[end - 1].page
    lines += [Line(" ".join(row[col] for row in rows), page) for col in range(COLUMNS)]
    lines += document.lines[end:]
    assert len(rows) > 20
    return Document(document.media_type, document.method, lines=lines, pages=document.pages, title=document.title)


def test_a_table_the_text_layer_scrambles_is_read_from_the_ruled_tables(generated):
    report, pdf = generated
    scrambled = _column_order(read_pdf(pdf))
    result = extract_bytes(pdf, {"path": "generated.pdf"}, document=scrambled)
    assert result["errors"] == []
    assert cell_mismatches(result, report) == {}
    assert result["method"] == "pdf-tables"
    notes = [w for w in result["warnings"] if w["code"] == "pdf_tables"]
    assert len(notes) == 1 and notes[0]["chosen"] == "pdf-tables"
    assert notes[0]["cells_tables"] == 200 and notes[0]["cells_text_layer"] < 200
    assert {c["method"] for c in result["cells"] if c["table"] == "applications"} == {"pdf-tables"}
    assert all(check["holds"] for check in result["checks"] if check["rule"].startswith("H1"))


def test_a_complete_text_layer_parse_is_not_read_again(generated):
    report, pdf = generated
    result = extract_bytes(pdf, {"path": "generated.pdf"})
    assert cell_mismatches(result, report) == {}
    assert result["method"] == "pdf-text"
    assert not [w for w in result["warnings"] if w["code"] == "pdf_tables"]


def test_a_failing_tables_read_keeps_the_text_layer_parse_and_says_why(generated, monkeypatch):
    _, pdf = generated
    scrambled = _column_order(read_pdf(pdf))

    def broken(data, *limits):
        raise ValueError("damaged table")

    monkeypatch.setattr("extract.table_fallback.read_table_pages", broken)
    result = extract_bytes(pdf, {"path": "generated.pdf"}, document=scrambled)
    assert result["errors"] == []
    assert result["method"] == "pdf-text"
    note = next(w for w in result["warnings"] if w["code"] == "pdf_tables")
    assert note["chosen"] == "pdf-text" and note["cells_tables"] is None and "damaged table" in note["message"]


def _cells(count: int) -> list[dict]:
    return [{"table": "applications", "row": f"r{i}", "col": "c", "value": i} for i in range(count)]


def _parsed(cells: int, holding: int, failing: int, warnings: list[dict] | None = None) -> dict:
    checks = [{"holds": True}] * holding + [{"holds": False}] * failing
    return record(template="2021", method="pdf-text", cells=_cells(cells), checks=checks, warnings=warnings or [])


def test_the_parse_with_more_cells_wins_then_the_one_whose_identities_hold():
    assert choose(_parsed(190, 30, 0), _parsed(200, 30, 0))["method"] == "pdf-tables"
    assert choose(_parsed(200, 30, 0), _parsed(190, 40, 0))["method"] == "pdf-text"
    assert choose(_parsed(200, 20, 10), _parsed(200, 30, 0))["method"] == "pdf-tables"


def test_on_a_tie_the_text_layer_parse_is_kept():
    text_layer = _parsed(200, 30, 0)
    kept = choose(text_layer, _parsed(200, 30, 0))
    assert kept is text_layer and kept["method"] == "pdf-text"
    assert kept["warnings"][-1]["chosen"] == "pdf-text"


def test_cells_written_blank_do_not_call_for_a_tables_read():
    missing = {"code": "cell_missing", "table": "applications", "row": "r", "cols": ["c"]}
    blank = {"code": "cell_blank", "table": "applications", "row": "r", "col": "c"}
    assert needs_table_read(_parsed(199, 30, 0, [missing]))
    assert not needs_table_read(_parsed(199, 30, 0, [missing, blank]))
    assert needs_table_read(_parsed(0, 0, 0, [{"code": "table_layout_unreadable", "table": "applications"}]))
    assert not needs_table_read({**_parsed(0, 0, 0, [missing]), "template": "legacy"})
    assert not needs_table_read({**_parsed(0, 0, 0, [missing]), "ocr": True})
