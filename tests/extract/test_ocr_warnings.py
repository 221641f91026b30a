"""With several OCR readings, a `cell_missing` warning of the most trusted engine is dropped for the cells another
engine supplied, and kept for those no engine read."""

from __future__ import annotations

from pathlib import Path

from extract.document import Document, Line
from extract.pipeline import extract_document
from extract.readers.ocr import EngineResult, OcrDocument

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "001_cad4fa3e014eb2f3.txt"
CARRIED = "二、上年结转政府信息公开申请数量"
REFUSED = "1. 属于国家秘密"


def _reading(engine: str, lines: list[str]) -> EngineResult:
    document = Document(media_type="image/png", method="ocr", lines=[Line(t, page=1) for t in lines], ocr=True)
    return EngineResult(engine, document, seconds=0.0)


def _without_numbers(lines: list[str], label: str) -> list[str]:
    return [label if label in line else line for line in lines]


def _missing(record: dict) -> dict[str, list[str]]:
    return {w["row"]: w["cols"] for w in record["warnings"] if w["code"] == "cell_missing"}


def test_a_cell_missing_from_the_trusted_engine_but_read_by_the_other_is_not_reported_missing():
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    trusted = _without_numbers(_without_numbers(lines, CARRIED), REFUSED)
    other = _without_numbers(lines, REFUSED)
    readings = [_reading("rapidocr", trusted), _reading("tesseract", other)]
    first = readings[0].document
    doc = OcrDocument(media_type="image/png", method="ocr", lines=first.lines, pages=1, ocr=True, readings=readings)
    record = extract_document(doc, {"path": "scan.png"})

    missing = _missing(record)
    assert not [row for row in missing if CARRIED in row]
    assert [cols for row, cols in missing.items() if "属于国家秘密" in row]  # no engine read it: still missing
    carried = [c for c in record["cells"] if c["table"] == "applications" and CARRIED in c["row"]]
    assert len(carried) == 7 and {c["value"] for c in carried} == {0}
