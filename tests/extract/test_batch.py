"""A batch with office files: DOC (and a damaged one) converted in one LibreOffice call, in input order."""

import random
from pathlib import Path

from extract.batch import extract_paths
from extract.readers.office import convert_files
from tests.generate import cell_mismatches, make_report, render_docx

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "000_db66c7502a480a75.txt"


def test_doc_files_are_converted_together_and_records_keep_input_order(tmp_path):
    reports = [make_report(random.Random(seed)) for seed in (11, 12)]
    converted = convert_files({str(i): (render_docx(r), "docx") for i, r in enumerate(reports)}, "doc", 300)
    paths = []
    for i in range(2):
        path = tmp_path / f"report{i}.doc"
        path.write_bytes(converted[str(i)])
        paths.append(str(path))
    damaged = tmp_path / "damaged.doc"
    damaged.write_bytes(converted["0"][:3000])
    order = [paths[0], str(SAMPLE), str(damaged), paths[1]]
    records = list(extract_paths(order))
    assert [r["source"]["path"] for r in records] == order
    assert records[0]["source"]["media_type"] == "application/msword"
    assert cell_mismatches(records[0], reports[0]) == {}
    assert cell_mismatches(records[3], reports[1]) == {}
    assert len(records[1]["cells"]) == 200
    assert records[2]["errors"] and records[2]["cells"] == []
