"""From bytes or a `Document` to a report-model record.

`extract_document(doc, source)` is the entry point every reader's output goes through: text cleaned,
title/year/body read, template detected by content, sections split, the three tables parsed (or, for
OCR, every engine's reading parsed and arbitrated by the identities), identities checked.
`extract_path(path)` reads a file first, choosing the reader by content (extract/detect.py), and turns
any read failure into a record whose `errors` say why — a batch never stops on a bad file. A PDF whose
text layer parsed incompletely has its ruled tables read as well, and the richer parse is kept
(extract/table_fallback.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from extract import checks as checks_module
from extract.detect import (
    DOCX,
    EMPTY,
    HTML,
    IMAGE_TYPES,
    OFFICE_SHEET_TYPES,
    OFFICE_WORD_TYPES,
    PDF,
    TEXT,
    detect,
)
from extract.document import Document, Line
from extract.errors import ReadError
from extract.limits import Limits
from extract.metadata import detect_scope, detect_template, has_statistics_tables, title_year_body
from extract.model import error_record, record, source_of
from extract.normalize import paragraphs_and_table_lines
from extract.sections import split_sections
from extract.table_fallback import choose, needs_table_read
from extract.tables import parse_tables
from extract.template import Template, all_templates, load_template

OFFICE_TYPES = OFFICE_WORD_TYPES | OFFICE_SHEET_TYPES


def read_document(data: bytes, media_type: str, limits: Limits | None = None, charset: str | None = None) -> Document:
    """The reader for a media type (judged by content), run on the bytes; ReadError when none applies.
    `charset`: the one an HTTP Content-Type header declared, for text and HTML (the bytes still decide)."""
    limits = limits or Limits.from_env()
    if media_type == EMPTY:
        raise ReadError("empty")
    if len(data) > limits.max_file_bytes:
        raise ReadError("too_large", f"{len(data)} bytes, over the limit of {limits.max_file_bytes}")
    if media_type == TEXT:
        from extract.readers.text import read_text

        return read_text(data, limits, charset)
    if media_type == HTML:
        from extract.readers.html import read_html

        return read_html(data, limits, charset)
    if media_type == PDF:
        from extract.readers.pdf import read_pdf

        return read_pdf(data, limits)
    if media_type == DOCX:
        from extract.readers.docx import read_docx

        return read_docx(data, limits)
    if media_type in OFFICE_TYPES:
        from extract.readers.office import read_office

        return read_office(data, limits)
    if media_type in IMAGE_TYPES:
        from extract.readers.ocr import read_image

        return read_image(data, limits, media_type)
    raise ReadError("unsupported_format", f"content detected as {media_type}, which govreports does not read")


def _grid_text(doc: Document) -> str:
    return "\n".join("\t".join(row) for grid in doc.tables for row in grid.rows)


def _parse_cells(doc: Document, template: Template, lines: list[Line]) -> tuple[list[dict], list[dict]]:
    """Cells and warnings; an OCR document's engines are parsed one by one and arbitrated by the identities."""
    readings = getattr(doc, "readings", None)
    if doc.ocr and readings:
        from extract.ocr_arbitrate import arbitrate

        grids = doc.tables  # a text PDF's ruled tables (the fallback), the same for every reading
        parsed = {r.engine: parse_tables(replace(r.document, tables=grids) if grids else r.document, template)
                  for r in readings}
        result = arbitrate({engine: p.cells for engine, p in parsed.items()}, template.id)
        first = next(iter(parsed.values()))
        cells, warnings = _text_pages_as_parsed(doc, first.cells, result.cells, result.warnings)
        return cells, [*_still_missing(first.warnings, cells), *warnings]
    parsed = parse_tables(doc, template, lines)
    if doc.ocr:
        for cell in parsed.cells:
            cell["method"] = "ocr"
            cell["uncertain"] = True
    return parsed.cells, parsed.warnings


def _text_pages_as_parsed(
    doc: Document, parsed: list[dict], cells: list[dict], warnings: list[dict]
) -> tuple[list[dict], list[dict]]:
    """In a text PDF with image-only pages OCRed, the cells of its text pages are the text layer's: every
    reading holds the same lines there, so those cells are taken as parsed (not as OCR), with no OCR warning."""
    ocr_pages = getattr(doc, "ocr_pages", None)
    if not ocr_pages:
        return cells, warnings
    as_parsed = {(c["table"], c["row"], c["col"]): c for c in parsed if c.get("page") not in ocr_pages}
    cells = [as_parsed.get((c["table"], c["row"], c["col"]), c) for c in cells]
    return cells, [w for w in warnings if (w.get("table"), w.get("row"), w.get("col")) not in as_parsed]


def _still_missing(warnings: list[dict], cells: list[dict]) -> list[dict]:
    """The most trusted engine's parse warnings, less the `cell_missing` columns another engine supplied."""
    have = {(cell["table"], cell["row"], cell["col"]) for cell in cells}
    kept = []
    for warning in warnings:
        if warning.get("code") == "cell_missing":
            table, row = warning["table"], warning["row"]
            cols = [col for col in warning["cols"] if (table, row, col) not in have]
            if not cols:
                continue
            warning = {**warning, "cols": cols, "message": f"{table}: {row}: no value for {', '.join(cols)}"}
        kept.append(warning)
    return kept


def _template_by_parsing(doc: Document, lines: list[Line]) -> Template | None:
    """When no detect string survived the layout (a header split into column fragments), the template
    whose declaration reads more cells that add up wins."""
    scored = []
    for template in all_templates():
        cells = parse_tables(doc, template, lines).cells
        checks, _ = checks_module.evaluate(template, cells)
        scored.append((len(cells) + sum(bool(c["holds"]) for c in checks), template.id, template))
    best = max(scored, key=lambda s: (s[0], s[1]))
    return best[2] if best[0] > 0 else None


def _confirm_ocr_cells(cells: list[dict], checks: list[dict]) -> None:
    """An OCR cell read by one engine is trusted only where a holding identity covers it."""
    confirmed = set()
    for check in checks:
        if check.get("holds"):
            for label in check["terms"]:
                confirmed.add((check["table"], check["over"], label))
                confirmed.add((check["table"], label, check["over"]))
    for cell in cells:
        if cell.get("method") == "ocr" and (cell["table"], cell["row"], cell["col"]) in confirmed:
            cell["uncertain"] = False


def _choose_template(doc: Document, text: str, lines: list[Line]) -> tuple[str, Template | None]:
    """The template by content; by trial parsing when the layout split every detect string."""
    all_text = text + "\n" + _grid_text(doc)
    template_id, template, _ = detect_template(all_text)
    if template is None and has_statistics_tables(all_text):
        template = _template_by_parsing(doc, lines)
        template_id = template.id if template else template_id
    return template_id, template


def _statistics(
    doc: Document, template: Template, overview: str, lines: list[Line]
) -> tuple[list[dict], list[dict], list[dict]]:
    """Cells, checks and the warnings about them (`lines`: the table view of the document's lines)."""
    cells, table_warnings = _parse_cells(doc, template, lines)
    checks, check_warnings, soft = checks_module.statistics(template, cells, overview)
    if doc.ocr and not getattr(doc, "readings", None):
        _confirm_ocr_cells(cells, checks)
    return cells, checks, table_warnings + check_warnings + soft


def extract_document(doc: Document, source: dict) -> dict:
    """The report-model record of a document a reader produced."""
    paras, table_lines = paragraphs_and_table_lines(doc.lines)
    text = "\n".join(paras)
    title, year, body = title_year_body(paras, doc.title)
    template_id, template = _choose_template(doc, text, table_lines)
    sections, warnings = split_sections(paras, template)
    warnings = [{"code": "reader", "message": message} for message in doc.warnings] + warnings
    if not text.strip() and not doc.tables:
        warnings.append({"code": "no_text", "message": "the document has no text"})
    cells: list[dict] = []
    checks: list[dict] = []
    if template is not None:
        overview = next((s["text"] for s in sections if s["number"] == 1), "")
        cells, checks, table_warnings = _statistics(doc, template, overview, table_lines)
        warnings += table_warnings
    return record(
        source=source, title=title, body=body, year=year,
        template=template_id, scope=detect_scope(text, body), method=doc.method, ocr=doc.ocr, pages=doc.pages,
        text=text, sections=sections, cells=cells, checks=checks, warnings=warnings,
    )


@dataclass
class Reading:
    """What reading a file leaves for the parse: its bytes and `source`, and the reader's `document`, or the
    record of why it could not be read (`failed`). The two stages are apart so that a batch can read several
    files before parsing them (extract/batch.py)."""

    data: bytes
    source: dict
    limits: Limits | None = None
    document: Document | None = None
    failed: dict | None = None


def read_bytes(data: bytes, where: dict, limits: Limits | None = None, document: Document | None = None,
               charset: str | None = None) -> Reading:
    """Detect and read bytes (from `where`: path or url); never raises. The source carries the encoding text
    and HTML were decoded with. `document`: already read (a batch's LibreOffice conversion)."""
    media_type = detect(data)
    source = source_of(data, media_type, **where)
    try:
        doc = document or read_document(data, media_type, limits, charset)
    except ReadError as error:
        return Reading(data, source, limits, failed=error_record(source, [error.as_dict()]))
    except Exception as error:  # a reader bug must not stop the batch: record it and go on
        return Reading(data, source, limits, failed=error_record(source, [_unexpected(error)]))
    if doc.encoding:
        source["encoding"] = doc.encoding
    return Reading(data, source, limits, doc)


def parse_reading(reading: Reading) -> dict:
    """The record of a read file; parse failures become the record's `errors`."""
    if reading.failed is not None:
        return reading.failed
    source = reading.source
    try:
        result = extract_document(reading.document, source)
        if source["media_type"] == PDF and needs_table_read(result):
            return _with_table_read(reading.data, reading.document, result, source,
                                    reading.limits or Limits.from_env())
        return result
    except ReadError as error:
        return error_record(source, [error.as_dict()])
    except Exception as error:  # a parser bug must not stop the batch: record it and go on
        return error_record(source, [_unexpected(error)])


def _unexpected(error: Exception) -> dict:
    message = f"extraction failed unexpectedly ({type(error).__name__}: {error}); please report this file"
    return {"code": "extract_failed", "message": message}


def extract_bytes(data: bytes, where: dict, limits: Limits | None = None, document: Document | None = None,
                  charset: str | None = None) -> dict:
    """A record for bytes (from `where`: path or url); read errors become the record's `errors`."""
    return parse_reading(read_bytes(data, where, limits, document, charset))


def _with_table_read(data: bytes, doc: Document, text_layer: dict, source: dict, limits: Limits) -> dict:
    """The text layer's record, or the record parsed from the PDF's ruled tables when that is richer."""
    from extract.table_fallback import read_tables

    try:
        read = read_tables(data, doc, load_template(text_layer["template"]), limits)
    except Exception as error:  # pdfplumber failing on a PDF pdfium could read: keep the text layer's record
        return choose(text_layer, None, f"{type(error).__name__}: {error}")
    if not read.grids:
        return choose(text_layer, None, "no ruled table found", read)
    return choose(text_layer, extract_document(replace(doc, tables=read.grids), source), read=read)


def extract_path(
    path: str | Path, limits: Limits | None = None, document: Document | None = None, charset: str | None = None
) -> dict:
    """A record for a file; `path` is kept exactly as given. Never raises on a bad file."""
    return parse_reading(read_path(path, limits, document, charset))


def read_path(
    path: str | Path, limits: Limits | None = None, document: Document | None = None, charset: str | None = None
) -> Reading:
    """`read_bytes` of a file, within the size limit; never raises."""
    limits = limits or Limits.from_env()
    where = {"path": str(path)}
    try:
        size = Path(path).stat().st_size
        if size > limits.max_file_bytes:
            error = ReadError("too_large", f"{size} bytes, over the limit of {limits.max_file_bytes}")
            source = {**where, "sha256": None, "media_type": None, "size": size}
            return Reading(b"", source, limits, failed=error_record(source, [error.as_dict()]))
        data = Path(path).read_bytes()
    except OSError as error:
        message = f"the file could not be opened: {error.strerror or error}"
        return Reading(b"", where, limits, failed=error_record(where, [{"code": "unreadable", "message": message}]))
    return read_bytes(data, where, limits, document, charset)
