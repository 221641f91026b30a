"""Many files at once: office files (DOC, WPS, RTF, XLS) are converted by LibreOffice in batches.

LibreOffice costs about a second per call, mostly start-up, so the office files of a batch are
detected first and converted together (extract/readers/office.py `convert_batch`); everything else is
read one file at a time. Records come out in input order, one per path, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from extract.detect import OFFICE_SHEET_TYPES, OFFICE_WORD_TYPES, XLSX, detect
from extract.document import Document
from extract.errors import ReadError
from extract.limits import Limits
from extract.model import error_record, source_of
from extract.pipeline import extract_bytes, extract_path

OFFICE = (OFFICE_WORD_TYPES | OFFICE_SHEET_TYPES) - {XLSX}


def _office_paths(paths: list[str], limits: Limits) -> list[str]:
    office = []
    for path in paths:
        try:
            if Path(path).stat().st_size <= limits.max_file_bytes and detect(Path(path).read_bytes()) in OFFICE:
                office.append(path)
        except OSError:
            continue  # extract_path reports it
    return office


def convert_office(paths: list[str], limits: Limits) -> dict[str, Document | ReadError]:
    """The office files among `paths` (judged by content), converted by LibreOffice in batches."""
    office = _office_paths(paths, limits)
    if not office:
        return {}
    from extract.readers.office import convert_batch

    return convert_batch(office, limits)


def extract_one(
    path: str, converted: dict[str, Document | ReadError], limits: Limits, charset: str | None = None
) -> dict:
    """The record of one file, using its batch conversion when it was an office file (`charset`: declared by
    the HTTP header the file was served with, for text and HTML)."""
    outcome = converted.get(path)
    if outcome is None:
        return extract_path(path, limits, charset=charset)
    data = Path(path).read_bytes()
    if isinstance(outcome, ReadError):
        return error_record(source_of(data, detect(data), path=path), [outcome.as_dict()])
    return extract_bytes(data, {"path": path}, limits, document=outcome)


def extract_paths(paths: list[str], limits: Limits | None = None) -> Iterator[dict]:
    """One record per path, in order; office files converted together first."""
    limits = limits or Limits.from_env()
    converted = convert_office(paths, limits)
    for path in paths:
        yield extract_one(path, converted, limits)
