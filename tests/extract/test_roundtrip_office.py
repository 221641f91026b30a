"""DOC, RTF, XLS and XLSX (made from the rendered report by LibreOffice) are converted in batches, read as
the template's grids, and every cell parses back exactly through the pipeline."""

import random

import pytest

from extract.detect import DOC, RTF, XLS, XLSX
from extract.pipeline import extract_document
from extract.readers import office
from tests.generate import (
    cell_mismatches,
    failing_rules,
    layouts,
    make_report,
    render_docx,
    render_xlsx,
    same_grid,
)

REPORTS = [make_report(random.Random(31)), make_report(random.Random(32), violate=True)]


@pytest.fixture(scope="module")
def office_files(tmp_path_factory):
    """Each report as DOC, RTF, XLS and XLSX: {path: (report, media type)}."""
    folder = tmp_path_factory.mktemp("office")
    docx_sources = {str(i): (render_docx(report), "docx") for i, report in enumerate(REPORTS)}
    xlsx = {str(i): render_xlsx(report) for i, report in enumerate(REPORTS)}
    converted = {
        "doc": office.convert_files(docx_sources, "doc", 120),
        "rtf": office.convert_files(docx_sources, "rtf", 120),
        "xls": office.convert_files({k: (v, "xlsx") for k, v in xlsx.items()}, "xls", 120),
        "xlsx": xlsx,
    }
    files = {}
    media_types = {"doc": DOC, "rtf": RTF, "xls": XLS, "xlsx": XLSX}
    for extension, outputs in converted.items():
        for key, data in outputs.items():
            assert isinstance(data, bytes), data
            path = folder / f"report{key}-{extension}.bin"  # a name that says nothing: the content decides
            path.write_bytes(data)
            files[str(path)] = (REPORTS[int(key)], media_types[extension])
    return files


def test_office_files_convert_in_one_call_per_target_and_read_back_as_grids(office_files, monkeypatch):
    calls = []
    real = office._soffice

    def counting(work, names, target, timeout):
        calls.append((target, len(names)))
        return real(work, names, target, timeout)

    monkeypatch.setattr(office, "_soffice", counting)
    documents = office.convert_batch(list(office_files))
    assert sorted(calls) == [("docx", 4), ("xlsx", 2)]
    for path, (report, media_type) in office_files.items():
        document = documents[path]
        assert not isinstance(document, Exception), document
        assert document.media_type == media_type
        expected = [layout.expected_grid() for layout in layouts(report)]
        assert all(same_grid(g.rows, e) for g, e in zip(document.tables, expected, strict=True)), path


def test_every_office_cell_parses_back_and_violations_are_reported(office_files):
    documents = office.convert_batch(list(office_files))
    for path, (report, _) in office_files.items():
        record = extract_document(documents[path], {"path": path})
        assert cell_mismatches(record, report) == {}, path
        assert failing_rules(record) == set(report.violated), path


def test_a_stuck_conversion_costs_only_its_own_file(office_files, monkeypatch):
    """The batch times out; the files are retried one by one and the one that hangs alone gets the error."""
    paths = [p for p, (_, media_type) in office_files.items() if media_type in (DOC, RTF)][:2]
    stuck = paths[0]
    with open(stuck, "rb") as handle:
        stuck_bytes = handle.read()
    real = office._soffice

    def hanging_on_first(work, names, target, timeout):
        if len(names) > 1 or (work / names[0]).read_bytes() == stuck_bytes:
            return False
        return real(work, names, target, timeout)

    monkeypatch.setattr(office, "_soffice", hanging_on_first)
    results = office.convert_batch(paths)
    assert results[stuck].code == "conversion_timeout"
    assert results[paths[1]].tables

