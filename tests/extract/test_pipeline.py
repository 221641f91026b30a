"""extract_document on readers' output: empty documents, OCR documents, the record's shape."""

from importlib.metadata import version
from pathlib import Path

import pytest

from extract.document import Document, Line
from extract.model import FIELDS, error_record, record
from extract.pipeline import extract_document

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "002_350fbfc8d48350cb.txt"


def sample_lines() -> list[Line]:
    return [Line(t, 1) for t in SAMPLE.read_text(encoding="utf-8").split("\n")]


def test_every_record_has_every_field_in_contract_order():
    record = extract_document(Document("text/plain", "text", lines=sample_lines()), {"path": "a.txt"})
    assert tuple(record) == FIELDS
    assert record["extractor_version"] == version("govreports")
    assert record["representations"] is None and record["page_url"] is None


def test_a_record_of_few_fields_has_the_others_null_or_empty_in_contract_order_and_no_unknown_field():
    first, second = error_record({"path": "a"}, [{"code": "unreadable"}]), record(source={"path": "b"})
    assert tuple(first) == FIELDS and tuple(second) == FIELDS
    assert (first["template"], first["scope"], first["ocr"], first["text"]) == ("unknown", "unknown", False, None)
    assert first["errors"] == [{"code": "unreadable"}] and second["errors"] == []
    assert all(first[name] == [] and first[name] is not second[name] for name in ("sections", "cells", "checks"))
    with pytest.raises(TypeError, match=r"\['bogus', 'other'\]"):
        record(source={}, other=1, bogus=2)


def test_a_document_without_text_is_a_record_with_a_warning_and_nothing_invented():
    record = extract_document(Document("application/pdf", "pdf-text", lines=[], pages=1), {"path": "blank.pdf"})
    assert record["template"] == "unknown"
    assert record["cells"] == [] and record["sections"] == [] and record["title"] is None
    assert [w["code"] for w in record["warnings"]] == ["no_text"]


def test_ocr_cells_are_trusted_only_where_a_holding_identity_covers_them():
    doc = Document("image/png", "ocr", lines=sample_lines(), ocr=True)
    record = extract_document(doc, {"path": "scan.png"})
    assert len(record["cells"]) == 200
    assert all(c["method"] == "ocr" for c in record["cells"])
    uncertain = {c["table"] for c in record["cells"] if c["uncertain"]}
    confirmed = {c["table"] for c in record["cells"] if not c["uncertain"]}
    assert uncertain == {"art20"}  # no identity covers table 二
    assert confirmed == {"applications", "review_litigation"}


def test_an_ocr_cell_in_a_failing_identity_stays_uncertain():
    row = "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t"
    lines = [Line(t.text.replace(row + "0", row + "8")) for t in sample_lines()]
    record = extract_document(Document("image/png", "ocr", lines=lines, ocr=True), {"path": "scan.png"})
    total = next(c for c in record["cells"] if c["row_key"] == "carried_forward" and c["col_key"] == "total")
    assert total["value"] == 8 and total["uncertain"] is True
